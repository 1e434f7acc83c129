// npm run docs:examples — runs the service for real (dev server, worker, API, ffmpeg) through the walk-through of
// docs/api.md, and writes each response it gets to docs/examples/<name>.json and into docs/api.md's marked blocks.
// Run it after changing a model; test/unit/doc-examples.test.ts fails until the examples match the models again.
import { promises as fs } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createApp } from '../src/api/app';
import { Orchestrator } from '../src/api/orchestrator';
import { loadConfig } from '../src/config';
import { openCatalog } from '../src/store';
import { createWorker } from '../src/worker';
import { makeClip } from './lib/clips';
import { DOC_EXAMPLES, EXAMPLE_BLOCK, type DocExampleName } from './lib/doc-examples';
import { startScratchDevServer } from './lib/dev-server';

const ROOT = path.resolve(__dirname, '..');
const EXAMPLES = path.join(ROOT, 'docs', 'examples');
const API_GUIDE = path.join(ROOT, 'docs', 'api.md');

async function run(): Promise<void> {
  const env = await startScratchDevServer();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'reprocess-examples-'));
  const { catalog, database } = await openCatalog({ databaseUrl: null, dataDir, migrate: true });
  const config = loadConfig({ DATA_DIR: dataDir });
  const worker = await createWorker(config, env.nativeConnection, env.client, { catalog });
  const app = createApp({
    orchestrator: new Orchestrator(env.client, { taskQueue: config.temporal.taskQueue, queryTimeoutMs: 2_000 }),
    catalog,
    dataDir,
    logger: pino({ level: 'silent' }),
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const captured: Partial<Record<DocExampleName, unknown>> = {};
  const keep = (name: DocExampleName, body: unknown) => (captured[name] = DOC_EXAMPLES[name].parse(body));
  const json = async (method: string, url: string, body?: FormData) =>
    (await fetch(base + url, { method, ...(body ? { body } : {}) })).json() as Promise<unknown>;

  try {
    await worker.runUntil(async () => {
      const clip = await makeClip(path.join(dataDir, 'holiday.mp4'), {
        seconds: 12,
        width: 1280,
        height: 720,
        fps: 25,
      });
      const form = new FormData();
      form.set('id', 'holiday');
      form.set('file', new Blob([await fs.readFile(clip)], { type: 'video/mp4' }), 'holiday.mp4');
      keep('upload', await json('POST', '/api/v1/videos', form));

      keep('run-accepted', await json('POST', '/api/v1/videos/holiday/run_sync'));
      keep('run-already-running', await json('POST', '/api/v1/videos/holiday/run_sync'));
      keep(
        'progress-running',
        await poll('/api/v1/videos/holiday/reprocess', (body) => body.status === 'running' && body.progress > 20),
      );
      keep('progress-completed', await poll('/api/v1/videos/holiday/reprocess', (body) => body.status === 'completed'));
      keep('video', await json('GET', '/api/v1/videos/holiday'));
      keep('history', await json('GET', '/api/v1/videos/holiday/reprocess/history'));
      keep('task-not-running', await json('DELETE', '/api/v1/videos/holiday/reprocess'));

      await makeClip(path.join(dataDir, 'media', 'lecture', 'source.mp4'), { seconds: 60, width: 1280, height: 720 });
      await json('POST', '/api/v1/videos/lecture/reprocess');
      await poll('/api/v1/videos/lecture/reprocess', (body) => body.status === 'running' && body.progress > 5);
      keep('cancel', await json('DELETE', '/api/v1/videos/lecture/reprocess'));
      await poll('/api/v1/videos/lecture/reprocess', (body) => body.status === 'cancelled');

      // A batch over four videos, one of which cannot be decoded: its failure is listed with its error code.
      for (const id of ['trailer', 'interview']) {
        await makeClip(path.join(dataDir, 'media', id, 'source.mp4'), { seconds: 8, width: 960, height: 540 });
      }
      await fs.mkdir(path.join(dataDir, 'media', 'damaged'), { recursive: true });
      await fs.writeFile(path.join(dataDir, 'media', 'damaged', 'source.mp4'), 'not a video');
      for (const id of ['trailer', 'interview', 'damaged']) await json('GET', `/api/v1/videos/${id}`);
      keep(
        'batch-accepted',
        await send('POST', '/api/v1/batches', {
          id: 'nightly',
          select: { ids: ['holiday', 'trailer', 'interview', 'damaged'] },
          concurrency: 2,
        }),
      );
      keep(
        'batch-running',
        await poll('/api/v1/batches/nightly', (body) => body.status === 'running' && body.progress > 20),
      );
      keep('batch-completed', await poll('/api/v1/batches/nightly', (body) => body.status === 'completed'));
    });
    // With the worker gone, the workflow cannot answer: the API's stale answer.
    keep('progress-stale', await json('GET', '/api/v1/videos/holiday/reprocess'));
  } finally {
    server.close();
    await database.close();
    await env.teardown();
    await fs.rm(dataDir, { recursive: true, force: true });
  }

  await fs.mkdir(EXAMPLES, { recursive: true });
  for (const [name, body] of Object.entries(captured)) {
    await fs.writeFile(path.join(EXAMPLES, `${name}.json`), `${JSON.stringify(body, null, 2)}\n`);
  }
  const guide = await fs.readFile(API_GUIDE, 'utf8');
  const updated = guide.replace(EXAMPLE_BLOCK, (block, name: string) => {
    const body = captured[name as DocExampleName];
    return body === undefined
      ? block
      : `<!-- example: ${name} -->\n\`\`\`json\n${JSON.stringify(body, null, 2)}\n\`\`\`\n<!-- /example -->`;
  });
  await fs.writeFile(API_GUIDE, updated);
  console.log(`wrote ${Object.keys(captured).length} examples to docs/examples/ and docs/api.md`);

  async function send(method: string, url: string, body: unknown): Promise<unknown> {
    const headers = { 'Content-Type': 'application/json' };
    return (await fetch(base + url, { method, headers, body: JSON.stringify(body) })).json() as Promise<unknown>;
  }

  async function poll(url: string, done: (body: { status: string; progress: number }) => boolean): Promise<unknown> {
    for (let attempt = 0; attempt < 600; attempt += 1) {
      const body = (await json('GET', url)) as { status: string; progress: number; stale: boolean };
      if (!body.stale && done(body)) return body;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${url} never reached the state the example needs`);
  }
}

run().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
