import type { IngestResponse, TaskProgressResponse, VideoPage, VideoResponse } from '../../../src/api/models';
import { api, ApiProblem, upload } from './api';
import { batchesCard } from './batches';
import { dataTable, fill, h } from './dom';
import { formatBytes, formatDuration, formatWhen } from './format';
import type { PageContext } from './page';
import { ProgressBar } from './progress-bar';
import { isFinal, statusBadge } from './run-view';

const PAGE_SIZE = 20;
const LIVE_MS = 2_000;

interface VideoInfoFields {
  durationSeconds?: number;
  width?: number;
  height?: number;
}

/**
 * Every video, newest first, a page at a time: poster, title, duration, size, status with a live bar for open runs,
 * when it last ran. Upload by picking or dropping a file, with the upload's own progress bar.
 */
export function renderList(main: HTMLElement, context: PageContext): () => void {
  const cursors: (string | undefined)[] = [undefined];
  let pageIndex = 0;
  let live: number | undefined;
  let closed = false;
  /** The live bars of the page's open runs, by video id. */
  const bars = new Map<string, ProgressBar>();

  const rows = h('tbody');
  const empty = h('p', { class: 'empty', hidden: true }, 'No videos yet: upload one above.');
  const listError = h('p', { class: 'form-error', role: 'alert' });
  const newer = h('button', { type: 'button', class: 'button' }, '← Newer');
  const older = h('button', { type: 'button', class: 'button' }, 'Older →');
  const pageLabel = h('span', { class: 'muted' });

  const uploadBar = new ProgressBar('Upload progress');
  const uploadState = h('p', { class: 'upload-state', role: 'status' });
  const uploadError = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'upload-error' });
  const fileInput = h('input', { id: 'file', type: 'file', class: 'file-input', accept: 'video/*,image/gif,.mkv,.ts' });
  const titleInput = h('input', {
    id: 'title',
    type: 'text',
    class: 'input',
    maxlength: 500,
    placeholder: 'from the file name',
  });
  const processNow = h('input', { id: 'process-now', type: 'checkbox' });
  const dropZone = h(
    'label',
    { class: 'drop-zone', for: 'file' },
    h('strong', {}, 'Choose a video'),
    h('span', { class: 'muted' }, ' or drop it here'),
  );
  uploadBar.element.hidden = true;

  const send = async (file: File) => {
    uploadError.textContent = '';
    if (file.size > context.info.max_upload_bytes) {
      // Refused before a byte is sent: the API would cut the connection off mid-upload, with less to say.
      uploadError.textContent = `${file.name} is ${formatBytes(file.size)}; this server takes at most ${formatBytes(context.info.max_upload_bytes)} (MAX_UPLOAD_BYTES).`;
      fileInput.value = '';
      return;
    }
    uploadBar.reset();
    uploadBar.element.hidden = false;
    uploadState.textContent = `Uploading ${file.name} (${formatBytes(file.size)})…`;
    const form = new FormData();
    if (titleInput.value.trim()) form.set('title', titleInput.value.trim());
    if (processNow.checked) form.set('process', 'true');
    form.set('file', file, file.name);
    try {
      const video = await upload<IngestResponse>(form, (fraction) => uploadBar.set(fraction * 100, 'uploading'));
      uploadBar.set(100, 'completed');
      uploadState.textContent = `Uploaded ${video.title ?? video.id}${video.run ? '; its run has started' : ''}.`;
      titleInput.value = '';
      pageIndex = 0;
      await load();
    } catch (problem) {
      uploadBar.element.hidden = true;
      uploadState.textContent = '';
      uploadError.textContent = problem instanceof ApiProblem ? problem.message : String(problem);
    } finally {
      fileInput.value = '';
    }
  };
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    if (file) void send(file);
  });
  dropZone.addEventListener('dragover', (event) => {
    event.preventDefault();
    dropZone.classList.add('dragging');
  });
  dropZone.addEventListener('dragleave', () => dropZone.classList.remove('dragging'));
  dropZone.addEventListener('drop', (event) => {
    event.preventDefault();
    dropZone.classList.remove('dragging');
    const file = event.dataTransfer?.files[0];
    if (file) void send(file);
  });

  /** Each load and poll carries the generation it belongs to: an answer of an earlier one is dropped. */
  let generation = 0;
  const load = async () => {
    window.clearTimeout(live);
    const mine = (generation += 1);
    newer.disabled = true;
    older.disabled = true;
    try {
      const cursor = cursors[pageIndex];
      const query = `?limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await api<VideoPage>(`/api/v1/videos${query}`);
      if (closed || mine !== generation) return;
      cursors[pageIndex + 1] = page.next_cursor ?? undefined;
      listError.textContent = '';
      bars.clear();
      fill(
        rows,
        page.items.map((video) => videoRow(video, context, bars)),
      );
      empty.hidden = page.items.length > 0 || pageIndex > 0;
      newer.disabled = pageIndex === 0;
      older.disabled = !page.next_cursor;
      pageLabel.textContent = `Page ${pageIndex + 1}`;
      followOpenRuns(mine);
    } catch (problem) {
      if (mine !== generation) return;
      listError.textContent = problem instanceof ApiProblem ? problem.message : String(problem);
      newer.disabled = pageIndex === 0;
    }
  };

  /** Open runs' bars move: each open run's progress is read every 2 s; a run that ends reloads the page's rows. */
  const followOpenRuns = (mine: number) => {
    const open = [...rows.querySelectorAll<HTMLTableRowElement>('tr[data-open]')];
    if (open.length === 0) return;
    live = window.setTimeout(async () => {
      let ended = false;
      await Promise.all(
        open.map(async (row) => {
          const id = row.dataset['videoId']!;
          const run = await api<TaskProgressResponse>(`/api/v1/videos/${encodeURIComponent(id)}/reprocess`).catch(
            () => null,
          );
          if (!run) return;
          bars.get(id)?.set(run.progress, run.status);
          if (isFinal(run.status)) ended = true;
        }),
      );
      if (closed || mine !== generation) return;
      if (ended) await load();
      else followOpenRuns(mine);
    }, LIVE_MS);
  };

  newer.addEventListener('click', () => {
    pageIndex = Math.max(0, pageIndex - 1);
    void load();
  });
  older.addEventListener('click', () => {
    pageIndex += 1;
    void load();
  });

  const batches = batchesCard();
  fill(
    main,
    h('h1', {}, 'Videos'),
    h(
      'section',
      { class: 'card upload', 'aria-labelledby': 'upload-title' },
      h('h2', { id: 'upload-title' }, 'Upload'),
      h(
        'div',
        { class: 'upload-fields' },
        h('div', { class: 'field' }, h('label', { for: 'title' }, 'Title (optional)'), titleInput),
        h(
          'div',
          { class: 'field check' },
          processNow,
          h('label', { for: 'process-now' }, 'Start processing once uploaded'),
        ),
      ),
      fileInput,
      dropZone,
      uploadBar.element,
      uploadState,
      uploadError,
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'list-title' },
      h('h2', { id: 'list-title' }, 'All videos'),
      listError,
      dataTable('videos', ['Poster', 'Title', 'Duration', 'Size', 'Status', 'Last run'], rows),
      empty,
      h('nav', { class: 'pager', 'aria-label': 'Pages of videos' }, newer, pageLabel, older),
    ),
    batches.element,
  );
  void load();
  return () => {
    closed = true;
    batches.stop();
    window.clearTimeout(live);
  };
}

function videoRow(video: VideoResponse, context: PageContext, bars: Map<string, ProgressBar>): HTMLTableRowElement {
  const info = (video.info ?? {}) as VideoInfoFields;
  const run = video.latest_run;
  const open = run !== null && !isFinal(run.status);
  const poster = h('img', { class: 'thumb', alt: '', width: 96, height: 54, loading: 'lazy' });
  if (video.outputs?.poster_url) void context.showImage(poster, video.outputs.poster_url);
  else poster.classList.add('thumb-empty');
  const status = h('td', { class: 'status-cell' }, statusBadge(run ? run.status : 'pending'));
  if (!run) status.replaceChildren(h('span', { class: 'muted' }, 'never run'));
  if (open) {
    const bar = new ProgressBar(`Progress of ${video.title ?? video.id}`);
    bar.set(run.progress, run.status);
    bars.set(video.id, bar);
    status.append(bar.element);
  }
  return h(
    'tr',
    { 'data-video-id': video.id, 'data-open': open },
    h('td', {}, poster),
    h(
      'td',
      {},
      h('a', { href: `/videos/${encodeURIComponent(video.id)}`, 'data-route': true }, video.title ?? video.id),
      h('div', { class: 'muted small' }, video.id),
    ),
    h('td', { class: 'num' }, formatDuration(info.durationSeconds)),
    h('td', { class: 'num' }, formatBytes(video.size_bytes)),
    status,
    h('td', {}, run ? formatWhen(run.created_at) : '—'),
  );
}
