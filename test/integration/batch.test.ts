import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import request from 'supertest';
import type { ReprocessApp } from '../../src/api/app';
import { BatchAccepted, BatchResponse, ErrorEnvelope } from '../../src/api/models';
import { createBatchActivities } from '../../src/activities/batch';
import { loadConfig, mediaQueueOf } from '../../src/config';
import type { QueueWorkers } from '../../src/queue-workers';
import type { Catalog } from '../../src/store';
import { createWorker } from '../../src/worker';
import { BATCH_RUN_PRIORITY } from '../../src/workflows/definitions';
import { buildApp } from '../helpers/api';
import { openTestCatalog } from '../helpers/catalog';
import { eventually } from '../helpers/gate';
import { makeClip, makeDataDir } from '../helpers/media';
import { openEventStream } from '../helpers/sse';
import { quietActivityEnvironment, startDevServer } from '../helpers/temporal';

const CLIPS = 30;

/** Batches over a catalog of generated clips, on a real dev server, worker, ffmpeg and SQLite catalog. */
describe('POST /api/v1/batches', () => {
  let env: TestWorkflowEnvironment;
  let worker: QueueWorkers;
  let running: Promise<void>;
  let app: ReturnType<ReprocessApp['callback']>;
  let catalog: Catalog;
  let cleanup: () => Promise<void>;
  const taskQueue = `batch-${randomUUID()}`;

  beforeAll(async () => {
    env = await startDevServer();
    const made = await makeDataDir();
    cleanup = made.cleanup;
    ({ catalog } = await openTestCatalog(made.dataDir));
    const config = loadConfig({ DATA_DIR: made.dataDir, TASK_QUEUE: taskQueue });
    worker = await createWorker(config, env.nativeConnection, env.client, { catalog });
    running = worker.run();
    app = (await buildApp(env.client, made.dataDir, taskQueue, { catalog, batchMaxConcurrency: 4 })).callback();
    const clip = await makeClip(path.join(made.dataDir, 'fixtures', 'clip.mp4'), {
      seconds: 1,
      width: 160,
      height: 120,
    });
    for (let index = 0; index < CLIPS; index += 1) {
      const id = `clip-${String(index).padStart(2, '0')}`;
      const uploaded = await request(app).post('/api/v1/videos').field('id', id).attach('file', clip);
      expect(uploaded.status).toBe(201);
    }
  }, 120_000);

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await cleanup?.();
  });

  const start = (body: unknown) =>
    request(app)
      .post('/api/v1/batches')
      .send(body as object);
  const read = async (id: string) => BatchResponse.parse((await request(app).get(`/api/v1/batches/${id}`)).body);

  it('reprocesses all 30 videos, 3 at a time: counts add up, progress never goes down', async () => {
    const accepted = await start({ id: 'all-of-them', select: { all: true }, concurrency: 3 });
    expect(accepted.status).toBe(202);
    expect(BatchAccepted.parse(accepted.body)).toMatchObject({ batch_id: 'all-of-them', total: CLIPS });
    expect(accepted.headers['location']).toBe('/api/v1/batches/all-of-them');

    const seen: number[] = [];
    const done = await eventually(async () => {
      const batch = await read('all-of-them');
      seen.push(batch.progress);
      const { counts } = batch;
      expect(
        counts.completed + counts.failed + counts.skipped + counts.cancelled + counts.running + counts.pending,
      ).toBe(counts.selected);
      expect(counts.running).toBeLessThanOrEqual(3);
      return batch.status === 'completed' && !batch.stale ? batch : undefined;
    }, 150_000);
    expect(done.counts).toMatchObject({
      total: CLIPS,
      selected: CLIPS,
      completed: CLIPS,
      failed: 0,
      running: 0,
      pending: 0,
    });
    expect(done.progress).toBe(100);
    expect(done.peak_open).toBe(3);
    for (let i = 1; i < seen.length; i += 1) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]!);
    expect(seen.some((value) => value > 0 && value < 100)).toBe(true);

    // Never more than 3 open at once, read from the runs' own records in the catalog.
    const runs = (
      await Promise.all(
        Array.from({ length: CLIPS }, (_, index) => catalog.latestRun(`clip-${String(index).padStart(2, '0')}`)),
      )
    ).map((run) => run!);
    expect(runs.every((run) => run.status === 'completed')).toBe(true);
    const events = runs.flatMap((run) => [
      { at: run.created_at, change: 1 },
      { at: run.finished_at!, change: -1 },
    ]);
    events.sort((a, b) => a.at.localeCompare(b.at) || a.change - b.change);
    let open = 0;
    let most = 0;
    for (const event of events) most = Math.max(most, (open += event.change));
    expect(most).toBeLessThanOrEqual(3);

    // Each run the batch started yields to a person's: a lower priority (a higher key) than a start's default.
    const description = await env.client.workflow.getHandle('clip-00', runs[0]!.run_id).describe();
    expect(description.raw.workflowExecutionInfo?.priority?.priorityKey).toBe(BATCH_RUN_PRIORITY);
    expect(await description.staticSummary()).toBe('Reprocess video clip-00 (batch all-of-them)');
  }, 200_000);

  it('never starts a video twice when the start of its run is retried, even after that run has closed', async () => {
    const activities = createBatchActivities({
      records: catalog.batches(),
      client: env.client,
      taskQueue,
      mediaTaskQueue: mediaQueueOf(taskQueue),
    });
    const input = {
      batchId: 'retried',
      videos: [{ videoId: 'clip-07', cost: 1 }],
      run: {},
      onOpenRun: 'skip' as const,
    };
    type Started = Awaited<ReturnType<typeof activities.startBatchRuns>>;
    const startRuns = (given: typeof input): Promise<Started> => activities.startBatchRuns(given);
    const first = await quietActivityEnvironment().run<[typeof input], Started, typeof startRuns>(startRuns, input);
    expect(first.open).toHaveLength(1);
    const runId = first.open[0]!.runId;
    await env.client.workflow.getHandle('clip-07', runId).result();
    // The attempt's answer was lost (a worker killed, say): the retry finds its own run closed and reports it.
    const retried = await quietActivityEnvironment().run<[typeof input], Started, typeof startRuns>(startRuns, input);
    expect(retried.open).toEqual([]);
    expect(retried.done).toEqual([expect.objectContaining({ outcome: 'completed', runId })]);
    expect((await env.client.workflow.getHandle('clip-07').describe()).runId).toBe(runId);
  }, 60_000);

  it('refuses a batch id already used, an empty selection, and too high a concurrency', async () => {
    await start({ id: 'once', select: { ids: ['clip-00'] } });
    const again = await start({ id: 'once', select: { all: true } });
    expect(again.status).toBe(409);
    expect(ErrorEnvelope.parse(again.body).error.code).toBe('BATCH_ALREADY_EXISTS');
    const empty = await start({ select: { ids: ['nobody'] } });
    expect(empty.status).toBe(422);
    expect(ErrorEnvelope.parse(empty.body).error.code).toBe('BATCH_EMPTY');
    const greedy = await start({ select: { all: true }, concurrency: 5 });
    expect(ErrorEnvelope.parse(greedy.body).error.code).toBe('INVALID_REQUEST');
    const vague = await start({ select: {} });
    expect(ErrorEnvelope.parse(vague.body).error.code).toBe('INVALID_REQUEST');
    const unknown = await request(app).get('/api/v1/batches/nobody');
    expect(ErrorEnvelope.parse(unknown.body).error.code).toBe('BATCH_NOT_FOUND');
    await eventually(async () => ((await read('once')).finished_at !== null ? true : undefined), 60_000);
    const ended = await request(app).post('/api/v1/batches/once/pause');
    expect(ErrorEnvelope.parse(ended.body).error.code).toBe('BATCH_NOT_RUNNING');
  }, 90_000);

  it('pauses (no new runs), resumes, and cancels (no new runs; the batch ends cancelled)', async () => {
    expect((await start({ id: 'steered', select: { all: true }, concurrency: 1 })).status).toBe(202);
    await eventually(async () => ((await read('steered')).counts.completed >= 2 ? true : undefined), 60_000);
    expect((await request(app).post('/api/v1/batches/steered/pause')).status).toBe(202);
    const paused = await eventually(async () => {
      const batch = await read('steered');
      return batch.status === 'paused' && batch.counts.running === 0 ? batch : undefined;
    }, 60_000);
    // Paused and drained: nothing more starts or ends.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await read('steered')).counts).toEqual(paused.counts);

    expect((await request(app).post('/api/v1/batches/steered/resume')).status).toBe(202);
    await eventually(
      async () => ((await read('steered')).counts.completed > paused.counts.completed ? true : undefined),
      60_000,
    );
    expect((await request(app).post('/api/v1/batches/steered/cancel').send({ cancel_runs: true })).status).toBe(202);
    const cancelled = await eventually(async () => {
      const batch = await read('steered');
      return batch.status === 'cancelled' && !batch.stale ? batch : undefined;
    }, 60_000);
    expect(cancelled.counts.completed).toBeLessThan(CLIPS);
    expect(cancelled.counts.running).toBe(0);
    const listed = await request(app).get('/api/v1/batches');
    expect((listed.body as { items: { batch_id: string; status: string }[] }).items).toContainEqual(
      expect.objectContaining({ batch_id: 'steered', status: 'cancelled' }),
    );
  }, 150_000);

  it('streams a batch live over server-sent events to its end, and tells a client back after the end there is no more', async () => {
    const server = http.createServer((req, res) => void app(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/batches/followed/events`;
    try {
      const ids = Array.from({ length: 6 }, (_, index) => `clip-${String(index + 10).padStart(2, '0')}`);
      expect((await start({ id: 'followed', select: { ids }, concurrency: 2 })).status).toBe(202);
      const stream = await openEventStream(url);
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
      await stream.ended;
      const progress = stream.events
        .filter((event) => event.event === 'progress')
        .map((e) => BatchResponse.parse(e.data));
      const end = stream.events.at(-1)!;
      expect(end).toMatchObject({ event: 'end', data: { status: 'completed' } });
      // The last event is the batch as it ended (a video another test's run still held may be skipped).
      const last = progress.at(-1)!;
      expect(last).toEqual({ ...(await read('followed')), eta_seconds: last.eta_seconds });
      expect(last).toMatchObject({ status: 'completed', counts: { selected: 6, running: 0, pending: 0, failed: 0 } });
      expect(last.counts.completed + last.counts.skipped).toBe(6);
      // Told of changes as they came: more than the first and the last, never going back.
      expect(progress.length).toBeGreaterThan(2);
      for (let i = 1; i < progress.length; i += 1) {
        expect(progress[i]!.progress).toBeGreaterThanOrEqual(progress[i - 1]!.progress);
        expect(progress[i]!.counts.completed).toBeGreaterThanOrEqual(progress[i - 1]!.counts.completed);
        expect(progress[i]!.counts.running).toBeLessThanOrEqual(2);
      }
      const back = await openEventStream(url, { 'Last-Event-ID': 'end' });
      expect(back.status).toBe(204);
      // Without it, a late client gets the end state at once, and the end.
      const late = await openEventStream(url);
      await late.ended;
      expect(late.events.map((event) => event.event)).toEqual(['progress', 'end']);
      const unknown = await openEventStream(url.replace('followed', 'nobody'));
      expect(unknown.status).toBe(404);
    } finally {
      server.close();
    }
  }, 120_000);

  it('closes as failed the record of a batch whose workflow was terminated, so it never reads running for ever', async () => {
    expect((await start({ id: 'terminated', select: { ids: ['clip-20', 'clip-21'] }, concurrency: 1 })).status).toBe(
      202,
    );
    await eventually(async () => ((await read('terminated')).counts.running === 1 ? true : undefined), 30_000);
    await env.client.workflow.getHandle('batch:terminated').terminate('an operator stopped it');
    const closed = await read('terminated');
    expect(closed).toMatchObject({ status: 'failed', stale: false });
    expect(closed.finished_at).not.toBeNull();
    // Recorded so in the catalog: the list says the same, and a command is refused as for any ended batch.
    const listed = await request(app).get('/api/v1/batches');
    expect((listed.body as { items: { batch_id: string; status: string }[] }).items).toContainEqual(
      expect.objectContaining({ batch_id: 'terminated', status: 'failed' }),
    );
    const paused = await request(app).post('/api/v1/batches/terminated/pause');
    expect(ErrorEnvelope.parse(paused.body).error.code).toBe('BATCH_NOT_RUNNING');
  }, 60_000);
});
