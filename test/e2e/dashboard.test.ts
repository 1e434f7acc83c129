import type { ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Browser, Page } from 'playwright-core';
import { ErrorEnvelope, MediaTokenResponse, TaskProgressResponse } from '../../src/api/models';
import {
  expectNeverFell,
  launchChromium,
  progressSeen,
  recordProgressbars,
  seriousViolations,
  waitForStepAbove,
} from '../helpers/browser';
import { eventually } from '../helpers/gate';
import { makeClip, makeDataDir, makeSceneClip } from '../helpers/media';
import { freePort } from '../helpers/ports';
import { startEntrypoint, stopProcess } from '../helpers/processes';
import { startDevServer } from '../helpers/temporal';

const KEY = 'dashboard-e2e-key-0123456789';
const REPORTS = path.resolve(__dirname, '..', '..', 'reports');

/**
 * The dashboard in Debian's Chromium against the service as processes (dev server, worker, and two APIs on one
 * DATA_DIR: one open, one with API_KEYS and 4-second media tokens), on generated clips.
 */
describe('e2e: the dashboard in a real browser', () => {
  let env: TestWorkflowEnvironment;
  let processes: (ChildProcess & { output: () => string })[] = [];
  let browser: Browser;
  let open: string;
  let keyed: string;
  let dataDir: string;
  let cleanup: () => Promise<void>;
  let workerEnv: Record<string, string>;
  const clips: Record<'scenes' | 'short' | 'long' | 'tiny', string> = { scenes: '', short: '', long: '', tiny: '' };

  beforeAll(async () => {
    env = await startDevServer();
    const made = await makeDataDir();
    ({ dataDir, cleanup } = made);
    const uploads = path.join(dataDir, 'uploads');
    // Four patterns of 6 s: three scene cuts, a storyboard with several cells, two chunks of ladder.
    clips.scenes = await makeSceneClip(path.join(uploads, 'scenes.mp4'), {
      segmentSeconds: 6,
      width: 960,
      height: 540,
    });
    clips.short = await makeClip(path.join(uploads, 'short.mp4'), { seconds: 8, width: 640, height: 360 });
    clips.long = await makeClip(path.join(uploads, 'long.mp4'), { seconds: 40, width: 1280, height: 720 });
    clips.tiny = await makeClip(path.join(uploads, 'tiny.mp4'), { seconds: 1, width: 160, height: 120 });
    const [openPort, keyedPort] = [await freePort(), await freePort()];
    open = `http://127.0.0.1:${openPort}`;
    keyed = `http://127.0.0.1:${keyedPort}`;
    const shared = { DATA_DIR: dataDir, TEMPORAL_ADDRESS: env.address, TASK_QUEUE: 'dashboard' };
    workerEnv = shared;
    processes = [
      startEntrypoint('src/worker.ts', shared),
      // One event stream per client, so a second page on a run is refused its stream and falls back to polling.
      startEntrypoint('src/api/server.ts', { ...shared, PORT: String(openPort), EVENT_STREAMS_PER_CLIENT: '1' }),
      startEntrypoint('src/api/server.ts', {
        ...shared,
        PORT: String(keyedPort),
        API_KEYS: KEY,
        MEDIA_TOKEN_TTL_SECONDS: '4',
      }),
    ];
    for (const base of [open, keyed]) {
      await eventually(async () => ((await fetch(`${base}/healthz`).catch(() => null))?.ok ? true : undefined), 30_000);
    }
    browser = await launchChromium();
    await fs.mkdir(REPORTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(processes.map((child) => stopProcess(child)));
    await env?.teardown();
    await cleanup?.();
  });

  /** A fresh tab; console errors other than expected HTTP refusals, and hls.js's warnings, are collected. */
  async function newPage(): Promise<{ page: Page; problems: string[] }> {
    // No bar animations: a screenshot shows each bar at its value.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      const text = message.text();
      // The browser logs every 4xx a fetch gets; the page shows those itself.
      if (message.type() === 'error' && /Failed to load resource/.test(text)) return;
      // hls.js stepping over a gap in the buffer smaller than its maxBufferHole (a first frame a few ms after the
      // audio's start, on a loaded machine) is its normal course, not a fault; every other report counts.
      if (/^hls\.js error mediaError bufferSeekOverHole recoverable/.test(text)) return;
      if (message.type() === 'error' || text.startsWith('hls.js error')) problems.push(text);
    });
    return { page, problems };
  }

  async function uploadByApi(base: string, id: string, clip: string, headers: Record<string, string> = {}) {
    const form = new FormData();
    form.set('id', id);
    form.set('file', new Blob([await fs.readFile(clip)], { type: 'video/mp4' }), path.basename(clip));
    const response = await fetch(`${base}/api/v1/videos`, { method: 'POST', body: form, headers });
    expect(response.status).toBe(201);
  }

  async function runByApi(base: string, id: string, headers: Record<string, string> = {}) {
    expect((await fetch(`${base}/api/v1/videos/${id}/reprocess`, { method: 'POST', headers })).status).toBe(202);
    return eventually(async () => {
      const run = TaskProgressResponse.parse(
        await (await fetch(`${base}/api/v1/videos/${id}/reprocess`, { headers })).json(),
      );
      return run.status === 'completed' ? run : undefined;
    }, 90_000);
  }

  const logsOnFailure = (error: unknown) => {
    throw new Error(`${String(error)}\n${processes.map((child) => child.output()).join('\n---\n')}`);
  };

  it('uploads a file picked in the form; its row appears', async () => {
    const { page, problems } = await newPage();
    await page.goto(`${open}/`);
    await page.getByRole('heading', { name: 'Videos', exact: true }).waitFor();
    await page.getByLabel('Title (optional)').fill('Picked from disk');
    await page.setInputFiles('#file', clips.short);
    const row = page.locator('tr[data-video-id]', { hasText: 'Picked from disk' });
    await row.waitFor({ timeout: 30_000 });
    expect(await page.getByRole('progressbar', { name: 'Upload progress' }).getAttribute('aria-valuenow')).toBe('100');
    expect(await row.textContent()).toContain('0:08');
    await page.screenshot({ path: path.join(REPORTS, 'dashboard-list.png'), fullPage: true });

    // A refusal is shown as its message: a text file is not a video.
    const notVideo = path.join(dataDir, 'uploads', 'notes.mp4');
    await fs.writeFile(notVideo, 'these are notes, not a video\n'.repeat(50));
    await page.setInputFiles('#file', notVideo);
    await expectText(page.getByTestId('upload-error'), /not a video|text/i);

    // Dropping a file on the zone uploads it too.
    await page.getByLabel('Title (optional)').fill('Dropped on the page');
    const dropped = await page.evaluateHandle(
      ({ base64, name }) => {
        const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, { type: 'video/mp4' }));
        return transfer;
      },
      { base64: (await fs.readFile(clips.short)).toString('base64'), name: 'dropped.mp4' },
    );
    await page.dispatchEvent('.drop-zone', 'drop', { dataTransfer: dropped });
    await page.locator('tr[data-video-id]', { hasText: 'Dropped on the page' }).waitFor({ timeout: 30_000 });
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('falls back to polling when the event stream is refused, and still shows the run live', async () => {
    await uploadByApi(open, 'two-tabs', clips.long);
    expect((await fetch(`${open}/api/v1/videos/two-tabs/reprocess`, { method: 'POST' })).status).toBe(202);
    const first = await newPage();
    await first.page.goto(`${open}/videos/two-tabs`);
    await first.page.locator('[data-testid=run][data-status=running]').waitFor({ timeout: 15_000 });
    // This API allows one stream per client: the second tab's is refused (429), and it polls the GET instead.
    const second = await newPage();
    await second.page.goto(`${open}/videos/two-tabs`);
    await recordProgressbars(second.page);
    await expectText(
      second.page.getByTestId('connection-notice'),
      /Live updates are unavailable \(Too many event streams/,
    );
    const before = Number(
      await second.page.getByRole('progressbar', { name: 'Overall progress' }).getAttribute('aria-valuenow'),
    );
    await second.page.waitForFunction(
      (from) =>
        Number(
          document.querySelector('[role=progressbar][aria-label="Overall progress"]')?.getAttribute('aria-valuenow'),
        ) > from,
      before,
      { timeout: 60_000 },
    );
    await second.page.getByRole('button', { name: 'Cancel run' }).click();
    await second.page.locator('[data-testid=run][data-status=cancelled]').waitFor({ timeout: 60_000 });
    await first.page.locator('[data-testid=run][data-status=cancelled]').waitFor({ timeout: 60_000 });
    expect([...first.problems, ...second.problems]).toEqual([]);
    await first.page.context().close();
    await second.page.context().close();
  }, 150_000);

  it('starts a run: step bars rise and never fall, a second start shows the 409, the run completes and plays', async () => {
    await uploadByApi(open, 'watch', clips.scenes);
    const { page, problems } = await newPage();
    await page.goto(`${open}/videos/watch`);
    await page.getByRole('button', { name: 'Start run' }).waitFor();
    await recordProgressbars(page);
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.locator('[data-testid=run][data-status=running]').waitFor({ timeout: 15_000 });

    // A second start while this one runs: the page says a run is open and points at it.
    await page.getByRole('button', { name: 'Start run' }).click();
    await expectText(page.getByTestId('action-error'), /A run is already open \(run [0-9a-f-]+\): follow it above/);

    await waitForStepAbove(page, 'transcode', 0, 30_000);
    await page.screenshot({ path: path.join(REPORTS, 'dashboard-video-running.png'), fullPage: true });
    await page.locator('[data-testid=run][data-status=completed]').waitFor({ timeout: 120_000 }).catch(logsOnFailure);

    // Series of this run only: before it started, the page's bars belonged to no run.
    const seen = Object.fromEntries(Object.entries(await progressSeen(page)).filter(([key]) => !key.startsWith(':')));
    const steps = Object.entries(seen).filter(([key]) =>
      /:(probe|thumbnails|transcode|audio|scenes|publish)$/.test(key),
    );
    expect(steps.map(([key]) => key.split(':')[1]).sort()).toEqual(
      ['audio', 'probe', 'publish', 'scenes', 'thumbnails', 'transcode'].sort(),
    );
    expectNeverFell(seen);
    for (const [key, values] of [
      ...steps,
      ...Object.entries(seen).filter(([key]) => key.endsWith('Overall progress')),
    ]) {
      expect({ key, last: values.at(-1) }).toEqual({ key, last: 100 });
    }
    // The transcode was seen between its start and its end, not only at 0 and 100.
    expect(seen[steps.find(([key]) => key.endsWith(':transcode'))![0]]!.some((value) => value > 0 && value < 100)).toBe(
      true,
    );

    // The player: it plays past 2 s, switches rendition, and shows storyboard cells over the seek bar.
    const player = page.getByTestId('player');
    await player.waitFor();
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid=player]')?.getAttribute('data-storyboard-cues')) > 0,
    );
    expect(Number(await player.getAttribute('data-scene-cuts'))).toBeGreaterThanOrEqual(3);
    expect(await page.locator('.scene-mark').count()).toBeGreaterThanOrEqual(3);
    await page.getByRole('button', { name: 'Play' }).click();
    await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 2, undefined, {
      timeout: 30_000,
    });
    await page.getByLabel('Rendition').selectOption({ label: '240p' });
    await page.locator('[data-testid=player][data-level="240"]').waitFor({ timeout: 20_000 });
    const after = await page.evaluate(() => document.querySelector('video')!.currentTime);
    await page.waitForFunction((from) => document.querySelector('video')!.currentTime > from + 1, after, {
      timeout: 20_000,
    });
    await page.getByRole('button', { name: 'Pause' }).click();

    const seek = await page.getByRole('slider', { name: 'Seek' }).boundingBox();
    await page.mouse.move(seek!.x + seek!.width * 0.6, seek!.y + seek!.height / 2);
    const preview = page.getByTestId('storyboard-preview');
    await preview.waitFor();
    const thumb = await preview
      .locator('.preview-thumb')
      .evaluate((element) => getComputedStyle(element).backgroundImage);
    expect(thumb).toMatch(/\/media\/watch\/runs\/[^/]+\/storyboard_\d+\.jpg/);
    await page.screenshot({ path: path.join(REPORTS, 'dashboard-video-completed.png'), fullPage: true });

    // The history lists the run with its outcome and its link into the Temporal UI.
    const history = page.locator('table.history tbody tr').first();
    await expectText(history, /Completed/);
    expect(await history.getByRole('link').getAttribute('href')).toMatch(
      /^http:\/\/127\.0\.0\.1:8233\/namespaces\/default\/workflows\/watch\/[0-9a-f-]+\/history$/,
    );
    expect(problems).toEqual([]);
    await page.context().close();
  }, 240_000);

  it('says when the answer is stale and why, and goes live again', async () => {
    await uploadByApi(open, 'frozen', clips.long);
    const { page, problems } = await newPage();
    await page.goto(`${open}/videos/frozen`);
    await page.getByRole('button', { name: 'Start run' }).click();
    await waitForStepAbove(page, 'transcode', 0, 30_000);
    // A frozen worker cannot answer the workflow's query: the API answers from what it last saw, saying so.
    const worker = processes[0]!;
    process.kill(worker.pid!, 'SIGSTOP');
    try {
      await expectText(page.getByTestId('run').getByRole('status'), /This answer may be out of date: .+/);
    } finally {
      process.kill(worker.pid!, 'SIGCONT');
    }
    await page.getByTestId('run').getByRole('status').waitFor({ state: 'hidden', timeout: 30_000 });
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.locator('[data-testid=run][data-status=cancelled]').waitFor({ timeout: 60_000 }).catch(logsOnFailure);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 150_000);

  it('shows the attempt of a step retried after the worker is killed inside it, its bar never falling', async () => {
    await uploadByApi(open, 'killed', clips.long);
    const { page, problems } = await newPage();
    await page.goto(`${open}/videos/killed`);
    await recordProgressbars(page);
    await page.getByRole('button', { name: 'Start run' }).click();
    await waitForStepAbove(page, 'transcode', 5, 60_000);
    // The worker dies mid-transcode; a new one takes the steps up again once their heartbeats time out.
    processes[0]!.kill('SIGKILL');
    await new Promise((resolve) => processes[0]!.once('exit', resolve));
    processes[0] = startEntrypoint('src/worker.ts', workerEnv);
    // The second attempt shows `retrying` until it passes what the first reached, which a resumed chunk does within
    // a second: too short to be sure of catching. The attempt stays on the step's row, and that is asserted.
    await page.locator('[data-testid=run][data-status=completed]').waitFor({ timeout: 120_000 }).catch(logsOnFailure);
    await expectText(page.locator('li[data-step=transcode]'), /attempt [2-9]/);
    expectNeverFell(await progressSeen(page));
    expect(problems).toEqual([]);
    await page.context().close();
  }, 240_000);

  it('pages through the videos, 20 at a time', async () => {
    for (let index = 0; index < 21; index += 1) await uploadByApi(open, `page-${index}`, clips.tiny);
    const { page, problems } = await newPage();
    await page.goto(`${open}/`);
    const ids = () =>
      page.locator('tr[data-video-id]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-video-id')));
    await page.locator('tr[data-video-id=page-20]').waitFor();
    const first = await ids();
    expect(first).toHaveLength(20);
    await page.getByRole('button', { name: 'Older →' }).click();
    await page.getByText('Page 2').waitFor();
    await page.locator('tr[data-video-id=page-20]').waitFor({ state: 'detached' });
    const second = await ids();
    expect(second.length).toBeGreaterThan(0);
    expect(second.filter((id) => first.includes(id))).toEqual([]);
    await page.getByRole('button', { name: '← Newer' }).click();
    await page.locator('tr[data-video-id=page-20]').waitFor();
    expect(await ids()).toEqual(first);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('shows the catalog’s batches on the list, live until they end', async () => {
    await uploadByApi(open, 'in-a-batch', clips.tiny);
    const started = await fetch(`${open}/api/v1/batches`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 'from-the-page', select: { ids: ['in-a-batch'] } }),
    });
    expect(started.status).toBe(202);
    const { page, problems } = await newPage();
    await page.goto(`${open}/`);
    const row = page.getByTestId('batches').locator('tr[data-batch-id=from-the-page]');
    await row.locator('[data-status=completed]').waitFor({ timeout: 60_000 });
    expect(await row.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    await expectText(row, /1 \/ 1/);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 90_000);

  it('pauses, resumes and cancels a batch from the page, and shows why a start is refused', async () => {
    // The batch waits for a person's run on a long clip, so it stays open while the page steers it.
    await uploadByApi(open, 'held', clips.long);
    await uploadByApi(open, 'after-held', clips.tiny);
    expect((await fetch(`${open}/api/v1/videos/held/reprocess`, { method: 'POST' })).status).toBe(202);
    const started = await fetch(`${open}/api/v1/batches`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        id: 'steered',
        select: { ids: ['held', 'after-held'] },
        concurrency: 1,
        on_open_run: 'wait',
      }),
    });
    expect(started.status).toBe(202);
    const { page, problems } = await newPage();
    await page.goto(`${open}/`);
    const row = page.getByTestId('batches').locator('tr[data-batch-id=steered]');
    await row.getByRole('button', { name: 'Pause batch steered' }).click();
    await row.locator('[data-status=paused]').waitFor({ timeout: 30_000 });
    await row.getByRole('button', { name: 'Resume batch steered' }).click();
    await row.locator('[data-status=running]').waitFor({ timeout: 30_000 });
    await row.getByRole('button', { name: 'Cancel batch steered' }).click();
    await row.locator('[data-status=cancelling], [data-status=cancelled]').first().waitFor({ timeout: 30_000 });
    // Cancelled, it starts nothing more: the person's run it waited for is left be, and ends as its person says.
    expect((await fetch(`${open}/api/v1/videos/held/reprocess`, { method: 'DELETE' })).status).toBe(202);
    await row.locator('[data-status=cancelled]').waitFor({ timeout: 60_000 });
    expect(await row.getByRole('button').count()).toBe(0);
    // The video it never reached is still counted pending, and has no run.
    const batch = (await (await fetch(`${open}/api/v1/batches/steered`)).json()) as { counts: { pending: number } };
    expect(batch.counts.pending).toBe(1);
    expect((await (await fetch(`${open}/api/v1/videos/after-held`)).json()) as { latest_run: unknown }).toMatchObject({
      latest_run: null,
    });

    // The form's start, refused by the API: its message is shown as it came.
    await page.fill('#batch-concurrency', '999');
    await page.getByRole('button', { name: 'Start batch' }).click();
    await expectText(page.getByTestId('batch-error'), /concurrency is at most \d+ here/);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 150_000);

  it('cancels a run from the page; it ends cancelled', async () => {
    await uploadByApi(open, 'to-cancel', clips.long);
    const { page, problems } = await newPage();
    await page.goto(`${open}/videos/to-cancel`);
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.locator('[data-testid=run][data-status=running]').waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.locator('[data-testid=run][data-status=cancelled]').waitFor({ timeout: 60_000 }).catch(logsOnFailure);
    await expectText(page.locator('table.history tbody tr').first(), /Cancelled/);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('has no serious or critical accessibility violations (axe-core), on the list and on a video page', async () => {
    await uploadByApi(open, 'axe', clips.short);
    await runByApi(open, 'axe');
    const { page } = await newPage();
    await page.goto(`${open}/`);
    await page.locator('tr[data-video-id=axe]').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.goto(`${open}/videos/axe`);
    await page.getByTestId('player').waitFor();
    await page.locator('table.history tbody tr').first().waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    // And by keyboard: the first Tab reaches the skip link, and the start button takes Enter.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.context().close();
  }, 120_000);

  describe('with API_KEYS', () => {
    const auth = { Authorization: `Bearer ${KEY}` };

    async function signIn(page: Page, key: string) {
      await page.getByLabel('API key').fill(key);
      await page.getByRole('button', { name: 'Continue' }).click();
    }

    it('asks for the key, shows why a wrong one is refused, and opens with the right one', async () => {
      const { page, problems } = await newPage();
      await page.goto(`${keyed}/`);
      await page.getByRole('heading', { name: 'This API needs a key' }).waitFor();
      await signIn(page, 'wrong-key-0123456789abcdef');
      await expectText(page.getByRole('alert'), /The API key is not valid/);
      await signIn(page, KEY);
      await page.getByRole('heading', { name: 'Videos', exact: true }).waitFor();
      expect(problems).toEqual([]);
      await page.context().close();
    });

    it('follows a run and plays its output through media tokens, and renews one that expired', async () => {
      await uploadByApi(keyed, 'keyed', clips.short, auth);
      const { page, problems } = await newPage();
      const tokenRequests: { url: string; status: number }[] = [];
      page.on('response', (response) => {
        if (response.url().includes('token=')) tokenRequests.push({ url: response.url(), status: response.status() });
      });
      await page.goto(`${keyed}/`);
      await signIn(page, KEY);
      await page.locator('tr[data-video-id=keyed] a').click();
      await page.getByRole('button', { name: 'Start run' }).click();
      await page.locator('[data-testid=run][data-status=completed]').waitFor({ timeout: 90_000 }).catch(logsOnFailure);
      expect(tokenRequests.some(({ url }) => url.includes('/reprocess/events?token='))).toBe(true);

      // The player's token (4 s) has expired by now: a rendition switch makes hls.js load another playlist, which is
      // refused; the page mints a new token, and the retry plays.
      await page.getByTestId('player').waitFor();
      await page.waitForTimeout(4_500);
      await page.getByLabel('Rendition').selectOption({ label: '240p' });
      await page.getByRole('button', { name: 'Play' }).click();
      await page.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 2, undefined, {
        timeout: 30_000,
      });
      await expectText(
        page.getByTestId('player').getByRole('status'),
        /The access token expired; a new one was minted/,
      ).catch(async (error: unknown) => {
        const notice = await page.getByTestId('player').getByRole('status').textContent();
        throw new Error(
          `${String(error)}\nnotice: ${notice}\n${JSON.stringify(tokenRequests)}\n${problems.join('\n')}`,
        );
      });
      expect(tokenRequests.some(({ url, status }) => url.includes('/media/keyed/') && status === 401)).toBe(true);
      expect(
        tokenRequests.some(({ url, status }) => /\/media\/keyed\/.*\.ts\?token=/.test(url) && status === 200),
      ).toBe(true);
      expect(problems.filter((problem) => !/401|fragLoadError|manifestLoadError|levelLoadError/.test(problem))).toEqual(
        [],
      );
      await page.context().close();
    }, 150_000);

    it("refuses one video's token for another video", async () => {
      await uploadByApi(keyed, 'keyed-other', clips.short, auth);
      const minted = MediaTokenResponse.parse(
        await (await fetch(`${keyed}/api/v1/videos/keyed-other/tokens`, { method: 'POST', headers: auth })).json(),
      );
      const own = await fetch(`${keyed}/api/v1/videos/keyed-other/reprocess/events?token=${minted.token}`);
      expect(own.status).not.toBe(401);
      await own.body?.cancel();
      const other = await fetch(`${keyed}/api/v1/videos/watch/reprocess/events?token=${minted.token}`);
      expect(other.status).toBe(401);
      expect(ErrorEnvelope.parse(await other.json()).error.code).toBe('TOKEN_INVALID');
    });
  });
});

/** Waits until the element's text matches. */
async function expectText(locator: ReturnType<Page['locator']>, pattern: RegExp): Promise<void> {
  await locator.filter({ hasText: pattern }).first().waitFor({ timeout: 20_000 });
}
