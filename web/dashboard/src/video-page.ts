import type {
  AsyncTaskResponse,
  CancelResponse,
  RunHistoryPage,
  RunRecord,
  TaskProgressResponse,
  VideoResponse,
} from '../../../src/api/models';
import { api, ApiProblem, MediaAccess, postJson } from './api';
import { dataTable, fill, h } from './dom';
import { formatBytes, formatDuration, formatSpan, formatWhen, runSeconds } from './format';
import type { PageContext } from './page';
import { fact, Player } from './player';
import { RunFollower } from './run-follow';
import { isFinal, RunView, statusBadge } from './run-view';

const IDLE_CHECK_MS = 5_000;

interface VideoInfoFields {
  durationSeconds?: number;
  width?: number;
  height?: number;
  videoCodec?: string;
  frameRate?: number;
  hasAudio?: boolean;
  hdr?: boolean;
}

/**
 * One video: its live run (start it with the steps and renditions to make, cancel it), its published output in a
 * player, and its run history with each run's link into the Temporal UI.
 */
export function renderVideo(main: HTMLElement, videoId: string, context: PageContext): () => void {
  const base = `/api/v1/videos/${encodeURIComponent(videoId)}`;
  const access = new MediaAccess(videoId, context.info.api_keys_required);
  const runView = new RunView();
  const connection = h('p', { class: 'notice', role: 'status', hidden: true, 'data-testid': 'connection-notice' });
  const actionError = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'action-error' });
  const neverRun = h('p', { class: 'empty' }, 'This video has not been processed yet: start a run below.');
  const cancelButton = h('button', { type: 'button', class: 'button danger' }, 'Cancel run');
  const header = h('div', { class: 'video-header' });
  const startCard = h('section', { class: 'card', 'aria-labelledby': 'start-title' });
  const playerSlot = h('div');
  const history = h('tbody');
  const historyCard = h(
    'section',
    { class: 'card', 'aria-labelledby': 'history-title' },
    h('h2', { id: 'history-title' }, 'Run history'),
    dataTable('history', ['Started', 'Outcome', 'Duration', 'Attempts', 'Error', 'Temporal'], history),
  );
  let follower: RunFollower | null = null;
  let player: Player | null = null;
  let video: VideoResponse | null = null;
  let closed = false;
  let idle: number | undefined;
  runView.element.hidden = true;

  /** While no run is followed, a run started elsewhere (another tab, a batch, curl) is looked for every 5 s. */
  const watchForRuns = () => {
    window.clearTimeout(idle);
    idle = window.setTimeout(async () => {
      if (closed || follower) return;
      const run = await api<TaskProgressResponse>(`${base}/reprocess`).catch(() => null);
      if (closed || follower) return;
      if (run && !isFinal(run.status) && run.run_id !== runView.currentRunId) {
        showRun(run);
        follow();
      } else watchForRuns();
    }, IDLE_CHECK_MS);
  };
  cancelButton.hidden = true;

  const say = (text: string | null) => {
    connection.hidden = text === null;
    connection.textContent = text ?? '';
  };

  const showRun = (run: TaskProgressResponse) => {
    neverRun.hidden = true;
    runView.element.hidden = false;
    runView.show(run);
    cancelButton.hidden = isFinal(run.status);
  };

  const follow = () => {
    if (closed) return;
    window.clearTimeout(idle);
    follower?.stop();
    follower = new RunFollower(videoId, access, {
      snapshot: showRun,
      notice: say,
      ended: () => {
        follower = null;
        watchForRuns();
        cancelButton.hidden = true;
        // A refusal to start a second run is moot once the first is over.
        actionError.textContent = '';
        void refresh();
      },
    });
    void follower.start();
  };

  /** The video (outputs may have been published) and its history, read again. */
  const refresh = async () => {
    try {
      video = await api<VideoResponse>(base);
    } catch (problem) {
      if (!closed) fill(main, h('h1', {}, videoId), h('p', { class: 'form-error', role: 'alert' }, messageOf(problem)));
      return;
    }
    if (closed) return;
    showHeader(header, video);
    if (!startCard.hasChildNodes()) fill(startCard, startForm(video));
    if (video.outputs && player?.element.dataset['runId'] !== video.outputs.run_id) {
      player?.destroy();
      const info = (video.info ?? {}) as VideoInfoFields;
      player = new Player(video.outputs, access, info.durationSeconds ?? 0);
      player.element.dataset['runId'] = video.outputs.run_id;
      fill(playerSlot, player.element);
      void player.load();
    }
    const runs = await api<RunHistoryPage>(`${base}/reprocess/history?limit=20`).catch(() => null);
    if (runs && !closed)
      fill(
        history,
        runs.items.map((run) => historyRow(run, context)),
      );
  };

  const startForm = (current: VideoResponse): HTMLFormElement => {
    const info = (current.info ?? {}) as VideoInfoFields;
    const steps = context.info.steps.map((step) => {
      const mandatory = context.info.mandatory_steps.includes(step);
      return h('input', { type: 'checkbox', id: `step-${step}`, value: step, checked: true, disabled: mandatory });
    });
    const renditions = context.info.renditions.map((height) => {
      const taller = info.height !== undefined && height > info.height;
      return h('input', {
        type: 'checkbox',
        id: `rendition-${height}`,
        value: height,
        checked: !taller,
        disabled: taller,
      });
    });
    const form = h(
      'form',
      { class: 'start-form' },
      h('h2', { id: 'start-title' }, 'Start a run'),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Steps'),
        steps.map((box) =>
          h('span', { class: 'check' }, box, h('label', { for: box.id }, box.value, box.disabled ? ' (always)' : '')),
        ),
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Renditions'),
        renditions.map((box) =>
          h(
            'span',
            { class: 'check' },
            box,
            h('label', { for: box.id }, `${box.value}p`, box.disabled ? ' (taller than the source)' : ''),
          ),
        ),
      ),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit', class: 'button primary' }, 'Start run'),
        cancelButton,
      ),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      actionError.textContent = '';
      const chosenRenditions = renditions.filter((box) => box.checked).map((box) => Number(box.value));
      const transcoding = steps.some((box) => box.value === 'transcode' && box.checked);
      if (transcoding && chosenRenditions.length === 0) {
        actionError.textContent = 'Choose at least one rendition, or leave the transcode out.';
        return;
      }
      const body = {
        steps: steps.filter((box) => box.checked).map((box) => box.value),
        ...(chosenRenditions.length > 0 && chosenRenditions.length < renditions.filter((box) => !box.disabled).length
          ? { renditions: chosenRenditions }
          : {}),
      };
      postJson<AsyncTaskResponse>(`${base}/reprocess`, body).then(
        (accepted) => {
          say(`Run ${accepted.run_id} started.`);
          follow();
          void refresh();
        },
        (problem: unknown) => {
          if (problem instanceof ApiProblem && problem.code === 'TASK_ALREADY_RUNNING') {
            const runId = typeof problem.details?.['run_id'] === 'string' ? problem.details['run_id'] : '';
            // The open run may have been started elsewhere: the panel above follows it from now on.
            if (!follower) follow();
            fill(
              actionError,
              `A run is already open${runId ? ` (run ${runId})` : ''}: `,
              h('a', { href: '#live-run' }, 'follow it above'),
              ', or cancel it before starting another.',
            );
          } else actionError.textContent = messageOf(problem);
        },
      );
    });
    return form;
  };

  cancelButton.addEventListener('click', () => {
    actionError.textContent = '';
    api<CancelResponse>(`${base}/reprocess`, { method: 'DELETE' }).then(
      (cancelling) => say(cancelling.message),
      (problem: unknown) => (actionError.textContent = messageOf(problem)),
    );
  });

  fill(
    main,
    h(
      'nav',
      { class: 'crumbs', 'aria-label': 'Breadcrumb' },
      h('a', { href: '/', 'data-route': true }, '← All videos'),
    ),
    header,
    h(
      'section',
      { class: 'card', id: 'live-run', 'aria-labelledby': 'run-title', tabindex: -1 },
      h('h2', { id: 'run-title' }, 'Latest run'),
      neverRun,
      connection,
      runView.element,
    ),
    startCard,
    actionError,
    playerSlot,
    historyCard,
  );

  void (async () => {
    await refresh();
    if (closed || !video) return;
    try {
      const run = await api<TaskProgressResponse>(`${base}/reprocess`);
      if (closed) return;
      showRun(run);
      if (!isFinal(run.status) || run.stale) follow();
      else watchForRuns();
    } catch (problem) {
      if (!(problem instanceof ApiProblem && problem.code === 'TASK_NOT_FOUND')) say(messageOf(problem));
      watchForRuns();
    }
  })();

  return () => {
    closed = true;
    window.clearTimeout(idle);
    follower?.stop();
    player?.destroy();
  };
}

function showHeader(header: HTMLElement, video: VideoResponse): void {
  const info = (video.info ?? {}) as VideoInfoFields;
  const facts: [string, string][] = [
    ['Duration', formatDuration(info.durationSeconds)],
    ['Resolution', info.width && info.height ? `${info.width}×${info.height}` : '—'],
    ['Codec', info.videoCodec ?? '—'],
    ['Frame rate', info.frameRate ? `${Math.round(info.frameRate * 100) / 100} fps` : '—'],
    ['Audio', info.hasAudio === undefined ? '—' : info.hasAudio ? 'yes' : 'none'],
    ['Size', formatBytes(video.size_bytes)],
    ['Uploaded', formatWhen(video.created_at)],
  ];
  if (info.hdr) facts.push(['HDR', 'tone-mapped to SDR']);
  fill(
    header,
    h('h1', {}, video.title ?? video.id),
    h('p', { class: 'muted' }, `id ${video.id}`),
    h(
      'dl',
      { class: 'facts' },
      facts.map(([name, value]) => fact(name, value)),
    ),
  );
}

function historyRow(run: RunRecord, context: PageContext): HTMLTableRowElement {
  const { ui_url: ui, namespace } = context.info.temporal;
  const link = `${ui}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(run.video_id)}/${encodeURIComponent(run.run_id)}/history`;
  const seconds = runSeconds(run.started_at ?? run.created_at, run.finished_at);
  return h(
    'tr',
    { 'data-run-id': run.run_id },
    h('td', {}, formatWhen(run.created_at)),
    h('td', {}, statusBadge(run.status)),
    h('td', { class: 'num' }, isFinal(run.status) ? formatSpan(seconds) : `${formatSpan(seconds)} so far`),
    h(
      'td',
      { class: 'num' },
      run.attempts
        ? `${run.attempts.total}${run.attempts.retries > 0 ? ` (${run.attempts.retries} retried)` : ''}`
        : '—',
    ),
    h('td', { class: 'error-cell' }, run.error ?? ''),
    h(
      'td',
      {},
      h(
        'a',
        { href: link, target: '_blank', rel: 'noopener noreferrer' },
        'Open',
        h('span', { class: 'visually-hidden' }, ` run ${run.run_id} in the Temporal UI`),
      ),
    ),
  );
}

function messageOf(problem: unknown): string {
  return problem instanceof Error ? problem.message : String(problem);
}
