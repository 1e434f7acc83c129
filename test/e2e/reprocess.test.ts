import type { ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { AsyncTaskResponse, IngestResponse, TaskProgressResponse } from '../../src/api/models';
import { currentLink } from '../../src/media/layout';
import { eventually } from '../helpers/gate';
import { expectAppleHlsRules } from '../helpers/hls-rules';
import { makeClip, makeDataDir } from '../helpers/media';
import { freePort } from '../helpers/ports';
import { startEntrypoint, stopProcess } from '../helpers/processes';
import { startDevServer } from '../helpers/temporal';

/** The whole service as separate processes — dev server, worker, API — driven over real HTTP. */
describe('e2e: upload → POST run_sync → 202 → GET until completed → HLS served', () => {
  let env: TestWorkflowEnvironment;
  let worker: ChildProcess & { output: () => string };
  let api: ChildProcess & { output: () => string };
  let baseUrl: string;
  let cleanup: () => Promise<void>;
  let clip: string;
  let dataDir: string;

  beforeAll(async () => {
    env = await startDevServer();
    const made = await makeDataDir();
    cleanup = made.cleanup;
    dataDir = made.dataDir;
    // Long enough (9 segments) for its ladder to be encoded as two chunks.
    clip = await makeClip(path.join(made.dataDir, 'upload', 'clip.mp4'), {
      seconds: 36,
      width: 640,
      height: 360,
      fps: 30,
    });
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const shared = { DATA_DIR: made.dataDir, TEMPORAL_ADDRESS: env.address, TASK_QUEUE: 'e2e' };
    worker = startEntrypoint('src/worker.ts', shared);
    api = startEntrypoint('src/api/server.ts', { ...shared, PORT: String(port) });
    await eventually(async () => ((await fetch(`${baseUrl}/healthz`)).ok ? true : undefined), 30_000);
  });

  afterAll(async () => {
    await Promise.all([api && stopProcess(api), worker && stopProcess(worker)]);
    await env?.teardown();
    await cleanup?.();
  });

  it('takes an upload, processes it, and serves its HLS master playlist', async () => {
    const form = new FormData();
    form.set('id', 'e2e-clip');
    form.set('file', new Blob([await fs.readFile(clip)], { type: 'video/mp4' }), 'clip.mp4');
    const uploaded = await fetch(`${baseUrl}/api/v1/videos`, { method: 'POST', body: form });
    expect(uploaded.status).toBe(201);
    expect(IngestResponse.parse(await uploaded.json()).info).toMatchObject({ width: 640, height: 360 });

    const started = await fetch(`${baseUrl}/api/v1/videos/e2e-clip/run_sync`, { method: 'POST' });
    expect(started.status).toBe(202);
    const accepted = AsyncTaskResponse.parse(await started.json());
    expect(started.headers.get('location')).toBe(accepted.status_url);

    const done = await eventually(async () => {
      const response = await fetch(`${baseUrl}${accepted.status_url}`);
      const body = TaskProgressResponse.parse(await response.json());
      return body.status === 'completed' ? body : undefined;
    }, 60_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\nworker:\n${worker.output()}\napi:\n${api.output()}`);
    });

    expect(done).toMatchObject({ video_id: 'e2e-clip', run_id: accepted.run_id, progress: 100, stale: false });
    const info = (done.result as { info: { width: number; height: number; durationSeconds: number } }).info;
    expect(info.width).toBe(640);
    expect(info.height).toBe(360);
    expect(info.durationSeconds).toBeGreaterThan(35.9);
    expect(info.durationSeconds).toBeLessThan(36.2);
    expect((done.result as { outputs: { transcode: { chunks: number } } }).outputs.transcode.chunks).toBe(2);

    const master = await fetch(`${baseUrl}/media/e2e-clip/current/master.m3u8`);
    expect(master.status).toBe(200);
    expect(master.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(await master.text()).toMatch(/#EXT-X-STREAM-INF:.*RESOLUTION=640x360/);
    await expectAppleHlsRules(path.join(currentLink(dataDir, 'e2e-clip')), {
      durationSeconds: info.durationSeconds,
      hasAudio: true,
    });

    const description = await env.client.workflow.getHandle('e2e-clip').describe();
    expect(description.type).toBe('ReprocessVideo');
    expect(description.status.name).toBe('COMPLETED');
  });

  it('stops both processes cleanly on SIGTERM', async () => {
    const exits = [api, worker].map((child) => new Promise((resolve) => child.once('exit', (code) => resolve(code))));
    api.kill('SIGTERM');
    worker.kill('SIGTERM');
    expect(await Promise.all(exits)).toEqual([0, 0]);
  });
});
