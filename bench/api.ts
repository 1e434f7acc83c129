// npm run bench:api — the API's overhead over the raw Temporal client, in one run against one dev server:
// (1) POST …/run_sync ÷ client.workflow.start, p50 and p99, interleaved; (2) GET …/reprocess ÷ handle.query, the
// same; (3) sustained starts per second with p99 under 100 ms, through the API ÷ through the raw client. (1) and (2)
// are also measured against the floor any HTTP front pays: a bare Koa route in its own process calling the raw client
// (bench/bare-route.ts), interleaved with the other two.
// The API and the worker run as their own processes, as deployed (request logs on, to /dev/null); the raw client
// and the load run in this one.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { selectSteps } from '../src/progress';
import { openCatalog, type Catalog } from '../src/store';
import { progressQuery, REPROCESS_STAGE, REPROCESS_WORKFLOW_TYPE } from '../src/workflows/definitions';
import { makeClip } from '../scripts/lib/clips';
import { startScratchDevServer } from '../scripts/lib/dev-server';
import { CORES, percentile } from './lib';

const REQUESTS = Number(process.env['BENCH_REQUESTS'] ?? 300);
const LEVEL_SECONDS = Number(process.env['BENCH_LEVEL_SECONDS'] ?? 4);
const CONCURRENCY = [1, 2, 4, 8, 16, 32];
const P99_CEILING_MS = 100;
const PARKED_QUEUE = 'bench-parked';
const LIVE_QUEUE = 'bench-live';

async function run(): Promise<void> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'reprocess-bench-api-'));
  const env = await startScratchDevServer();
  let api: ChildProcess | undefined;
  let bare: ChildProcess | undefined;
  let liveWorker: ChildProcess | undefined;
  let closeCatalog: () => Promise<void> = () => Promise.resolve();
  try {
    const source = await makeClip(path.join(work, 'clip.mp4'), { seconds: 1, width: 160, height: 120 });
    const store = await openCatalog({ databaseUrl: null, dataDir: work, migrate: true });
    closeCatalog = () => store.database.close();
    const ids = new IdPool(work, source, store.catalog);
    await ids.prepare(['live']);
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const base = `http://127.0.0.1:${port}`;
    api = spawnTsx('src/api/server.ts', {
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: work,
      TEMPORAL_ADDRESS: env.address,
      TASK_QUEUE: PARKED_QUEUE,
      LOG_LEVEL: 'info',
    });
    const barePort = port + 1;
    const bareBase = `http://127.0.0.1:${barePort}`;
    bare = spawnTsx('bench/bare-route.ts', {
      PORT: String(barePort),
      TEMPORAL_ADDRESS: env.address,
      TASK_QUEUE: PARKED_QUEUE,
    });
    await waitForHealth(base);
    await waitForPort(barePort);
    const client = env.client;
    const bareStart = async (id: string) => {
      const response = await send('POST', `${bareBase}/start/${id}`);
      if (response.status !== 202) throw new Error(`bare POST ${id} answered ${response.status}: ${response.body}`);
    };

    const postStart = async (id: string) => {
      const response = await send('POST', `${base}/api/v1/videos/${id}/run_sync`);
      if (response.status !== 202) throw new Error(`POST ${id} answered ${response.status}: ${response.body}`);
    };
    const rawStart = async (id: string) => {
      await client.workflow.start(REPROCESS_WORKFLOW_TYPE, {
        workflowId: id,
        taskQueue: PARKED_QUEUE,
        args: [{ videoId: id, steps: selectSteps(undefined) }],
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        staticSummary: `Reprocess video ${id}`,
        typedSearchAttributes: [{ key: REPROCESS_STAGE, value: 'queued' }],
      });
    };

    console.log(`preparing ${REQUESTS * 3 + 60} videos…`);
    await ids.prepareMany(REQUESTS * 3 + 60);
    await interleave(
      20,
      () => postStart(ids.next()),
      () => rawStart(ids.next()),
      () => bareStart(ids.next()),
    );
    const starts = await interleave(
      REQUESTS,
      () => postStart(ids.next()),
      () => rawStart(ids.next()),
      () => bareStart(ids.next()),
    );

    // A live run answers queries: its worker runs the workflow alone, in its own process, so the run sits open and
    // idle, waiting on steps nobody runs.
    liveWorker = spawnTsx('bench/workflow-worker.ts', { TEMPORAL_ADDRESS: env.address, TASK_QUEUE: LIVE_QUEUE });
    await client.workflow.start(REPROCESS_WORKFLOW_TYPE, {
      workflowId: 'live',
      taskQueue: LIVE_QUEUE,
      args: [{ videoId: 'live', steps: selectSteps(undefined) }],
    });
    const handle = client.workflow.getHandle('live');
    await handle.query(progressQuery);
    const get = async () => {
      const response = await send('GET', `${base}/api/v1/videos/live/reprocess`);
      const body = JSON.parse(response.body) as { stale?: boolean };
      if (response.status !== 200 || body.stale)
        throw new Error(`GET answered ${response.status}, stale ${body.stale}`);
    };
    const query = async () => {
      await handle.query(progressQuery);
    };
    const bareQuery = async () => {
      const response = await send('GET', `${bareBase}/query/live`);
      if (response.status !== 200) throw new Error(`bare GET answered ${response.status}`);
    };
    await interleave(20, get, query, bareQuery);
    const reads = await interleave(REQUESTS, get, query, bareQuery);

    console.log('sustained starts: closed loop at rising concurrency…');
    const estimate = LEVEL_SECONDS * 400 * CONCURRENCY.length * 2;
    await ids.prepareMany(estimate);
    const sustainedApi = await sustained(() => postStart(ids.next()));
    const sustainedRaw = await sustained(() => rawStart(ids.next()));

    const row = (label: string, ours: number[], floor: number[], goal: string) => {
      const p50 = percentile(ours, 50) / percentile(floor, 50);
      const p99 = percentile(ours, 99) / percentile(floor, 99);
      console.log(
        `  ${label.padEnd(34)} p50 ${fmt(percentile(ours, 50))} ÷ ${fmt(percentile(floor, 50))} = ${p50.toFixed(2)}` +
          `   p99 ${fmt(percentile(ours, 99))} ÷ ${fmt(percentile(floor, 99))} = ${p99.toFixed(2)}   goal ${goal}`,
      );
    };
    console.log(`\nAPI overhead, ${REQUESTS} requests each, interleaved, ${CORES} cores`);
    row('POST run_sync ÷ bare route', starts.runs[0]!, starts.runs[2]!, '≤ 1.10');
    row('GET reprocess ÷ bare route', reads.runs[0]!, reads.runs[2]!, '≤ 1.10');
    row('POST run_sync ÷ workflow.start', starts.runs[0]!, starts.runs[1]!, '≤ 1.15');
    row('GET reprocess ÷ handle.query', reads.runs[0]!, reads.runs[1]!, '≤ 1.15');
    row('bare route ÷ raw (start)', starts.runs[2]!, starts.runs[1]!, '—');
    row('bare route ÷ raw (query)', reads.runs[2]!, reads.runs[1]!, '—');
    console.log(
      `  sustained starts/s with p99 < ${P99_CEILING_MS} ms: API ${sustainedApi.rate.toFixed(0)} ` +
        `(at ${sustainedApi.concurrency} concurrent) ÷ raw ${sustainedRaw.rate.toFixed(0)} ` +
        `(at ${sustainedRaw.concurrency}) = ${(sustainedApi.rate / sustainedRaw.rate).toFixed(2)}   goal ≥ 0.9`,
    );
    for (const [label, levels] of [
      ['API', sustainedApi.levels],
      ['raw', sustainedRaw.levels],
    ] as const) {
      console.log(
        `    ${label}: ${levels.map((level) => `c${level.concurrency} ${level.rate.toFixed(0)}/s p99 ${fmt(level.p99)}`).join(' · ')}`,
      );
    }
  } finally {
    api?.kill('SIGTERM');
    bare?.kill('SIGTERM');
    liveWorker?.kill('SIGTERM');
    await closeCatalog();
    await env.teardown();
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** One of reprocess's entrypoints as its own process; its logs go nowhere, as they cost what they cost. */
function spawnTsx(entry: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [require.resolve('tsx/cli'), entry], {
    cwd: path.resolve(__dirname, '..'),
    env: { ...process.env, ...env },
    stdio: 'ignore',
  });
}

/** Kept-alive connections, as any HTTP client library in production would use. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function send(method: string, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

/** Runs the operations in turn `count` times each, so drift in the machine's load touches them all alike. */
async function interleave(count: number, ...operations: (() => Promise<void>)[]) {
  const runs = operations.map(() => [] as number[]);
  for (let i = 0; i < count; i += 1) {
    for (const [index, operation] of operations.entries()) runs[index]!.push(await timed(operation));
  }
  return { runs };
}

async function timed(operation: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await operation();
  return performance.now() - started;
}

interface Level {
  concurrency: number;
  rate: number;
  p99: number;
}

/** The highest rate a closed loop reaches while its p99 stays under the ceiling. */
async function sustained(operation: () => Promise<void>) {
  const levels: Level[] = [];
  for (const concurrency of CONCURRENCY) {
    const latencies: number[] = [];
    const until = performance.now() + LEVEL_SECONDS * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < until) latencies.push(await timed(operation));
      }),
    );
    const level = {
      concurrency,
      rate: latencies.length / ((performance.now() - started) / 1000),
      p99: percentile(latencies, 99),
    };
    levels.push(level);
    if (level.p99 >= P99_CEILING_MS) break;
  }
  const within = levels.filter((level) => level.p99 < P99_CEILING_MS);
  const best = within.reduce((a, b) => (b.rate > a.rate ? b : a), within[0] ?? { concurrency: 0, rate: 0, p99: NaN });
  return { ...best, levels };
}

/**
 * Video ids with a source file each (hard links to one clip) and a catalog row, as an upload leaves them, made ahead
 * so no request waits on the disk or adopts a file.
 */
class IdPool {
  private made = 0;
  private used = 0;
  constructor(
    private readonly dataDir: string,
    private readonly source: string,
    private readonly catalog: Catalog,
  ) {}

  async prepare(ids: string[]): Promise<void> {
    const now = new Date().toISOString();
    for (const id of ids) {
      const dir = path.join(this.dataDir, 'media', id);
      await fs.mkdir(dir, { recursive: true });
      await fs.link(this.source, path.join(dir, 'source.mp4'));
      await this.catalog.insertVideo({
        id,
        title: null,
        source_path: `media/${id}/source.mp4`,
        size_bytes: 1,
        info: null,
        current_run_id: null,
        created_at: now,
        updated_at: now,
      });
    }
  }

  async prepareMany(count: number): Promise<void> {
    const ids = Array.from({ length: count }, (_, index) => `v${this.made + index}`);
    this.made += count;
    await this.prepare(ids);
  }

  next(): string {
    if (this.used >= this.made) throw new Error('id pool exhausted: raise its estimate');
    return `v${this.used++}`;
  }
}

async function waitForHealth(base: string): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the API did not start');
}

run().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

async function waitForPort(port: number): Promise<void> {
  for (let tries = 0; tries < 300; tries += 1) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nothing listens on ${port}`);
}
