// npm run bench:priority — a person's run started while a batch of long clips keeps every media slot busy: how long
// its probe and its media steps wait for a slot with Temporal's task priority honoured (as `npm run up` starts the dev
// server: the new matcher, task queues of one partition), ignored (its default matcher, first in first out), and with
// the new matcher alone (4 partitions), against the batch's own chunk duration measured in the same run. Each mode gets
// a fresh dev server, data folder and catalog; the modes are interleaved.
import { promises as fs, openAsBlob } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { AsyncTaskResponse } from '../src/api/models';
import { loadConfig } from '../src/config';
import { MEDIA_STEPS } from '../src/progress';
import { openCatalog } from '../src/store';
import { createWorker } from '../src/worker';
import { makeClip } from '../scripts/lib/clips';
import { startScratchDevServer } from '../scripts/lib/dev-server';
import { CORES, listenApi } from './lib';
import { PRIORITY_DYNAMIC_CONFIG, priorityDevServerArgs } from '../scripts/lib/task-priority';

const RUNS = Math.max(1, Number(process.env['BENCH_RUNS'] ?? 2));
const CLIPS = Math.max(1, Number(process.env['BENCH_CLIPS'] ?? 6));
const CLIP_SECONDS = Number(process.env['BENCH_SECONDS'] ?? 60);
const CLIP_HEIGHT = Number(process.env['BENCH_HEIGHT'] ?? 480);
const PERSON_SECONDS = Number(process.env['BENCH_PERSON_SECONDS'] ?? 20);
/** MEDIA_SLOTS of the one worker: every one of them is to be busy with the batch when the person starts. */
const SLOTS = Math.max(1, Number(process.env['BENCH_SLOTS'] ?? 2));
/** The batch's runs open at once: each queues its side steps, chunks and audio at once, so a few make a backlog. */
const CONCURRENCY = Math.max(1, Number(process.env['BENCH_CONCURRENCY'] ?? 3));
/** The person starts once the batch has run this long (and fills every slot, with work queued behind). */
const WARMUP_MS = Number(process.env['BENCH_WARMUP_SECONDS'] ?? 10) * 1000;
/** Chunks of the batch that must have finished before its median chunk is taken. */
const MIN_BATCH_CHUNKS = 4;
const TASK_QUEUE = 'bench-priority';
/**
 * The modes BENCH_MODES may name: the dev server's arguments, and how the tables call them. `on` is the server as
 * `npm run up` starts it; `on-4-partitions` has the new matcher alone, on the server's default of 4 partitions per
 * task queue, to show why one is needed.
 */
const MODES = {
  on: { label: 'priority on (as npm run up)', args: priorityDevServerArgs() },
  off: { label: 'default matcher (FIFO)', args: [] },
  'on-4-partitions': {
    label: 'new matcher, 4 partitions',
    args: priorityDevServerArgs(PRIORITY_DYNAMIC_CONFIG.filter(([key]) => key === 'matching.useNewMatcher')),
  },
} satisfies Record<string, { label: string; args: string[] }>;
const CHOSEN = (process.env['BENCH_MODES'] ?? 'on,off,on-4-partitions').split(',').map((mode) => mode.trim());

/** The media steps' activities: the transcode's are its chunks, its audio renditions and the assembly. */
const MEDIA = new Set<string>([...MEDIA_STEPS, 'transcodeChunk', 'transcodeAudio', 'assembleLadder']);

type Mode = keyof typeof MODES;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const { EventType, PendingActivityState } = temporal.api.enums.v1;

/** One media activity of a run: when it was scheduled, started and completed (ms since the epoch). */
interface Span {
  activityId: string;
  type: string;
  scheduledMs: number;
  startedMs: number | null;
  completedMs: number | null;
}

interface Sample {
  mode: Mode;
  run: number;
  /** Run start → its first workflow task started: the probe is a local activity, run inside that task. */
  probeWaitMs: number;
  /** Scheduled → started of the person's first media step to get a slot. */
  firstSlotWaitMs: number;
  /** Scheduled → started of the person's first transcode chunk. */
  chunkWaitMs: number;
  /** The longest scheduled → started of the person's media steps (they also queue behind each other). */
  longestWaitMs: number;
  /** The batch's transcode chunks, started → completed: the floor the waits are compared with. */
  batchChunkMs: number;
  batchChunks: number;
  /** The batch's media activities queued when the person's media steps were scheduled. */
  queuedAhead: number;
  /** Of the batch's media activities, those that started while any of the person's first ones was still queued. */
  startedAhead: number;
  /** Each of the person's media activities: its wait, and the batch activities that started during it. */
  steps: { type: string; waitMs: number; batchStarted: number }[];
  /** What the media slots ran when the person started. */
  busyWith: string[];
  personRunMs: number;
}

async function run(): Promise<void> {
  modesChosen();
  const started = performance.now();
  const clips = await fs.mkdtemp(path.join(os.tmpdir(), 'reprocess-bench-priority-'));
  try {
    const width = Math.round((CLIP_HEIGHT * 16) / 9 / 2) * 2;
    const long = path.join(clips, 'long.mp4');
    const person = path.join(clips, 'person.mp4');
    console.log(`generating a ${CLIP_SECONDS}-s ${width}x${CLIP_HEIGHT} clip and a ${PERSON_SECONDS}-s one…`);
    await makeClip(long, { seconds: CLIP_SECONDS, width, height: CLIP_HEIGHT, fps: 30 });
    await makeClip(person, { seconds: PERSON_SECONDS, width, height: CLIP_HEIGHT, fps: 30 });

    const samples: Sample[] = [];
    for (let index = 1; index <= RUNS; index += 1) {
      // Interleaved, the order reversed each time, so the machine's drift touches every mode alike.
      const modes = index % 2 === 1 ? modesChosen() : modesChosen().reverse();
      for (const mode of modes) {
        console.log(`run ${index} of ${RUNS}, ${MODES[mode].label}…`);
        const sample = await scenario(mode, index, { long, person });
        samples.push(sample);
        console.log(
          `  slots held ${sample.busyWith.join(', ')} and ${sample.queuedAhead} batch tasks were queued; ` +
            `batch chunk ${ms(sample.batchChunkMs)} (median of ${sample.batchChunks})`,
        );
        console.log(
          `  probe ${ms(sample.probeWaitMs)}; ` +
            sample.steps
              .map((step) => `${step.type} ${ms(step.waitMs)} (${step.batchStarted} batch tasks started meanwhile)`)
              .join(', '),
        );
      }
    }
    report(samples, (performance.now() - started) / 1000);
  } finally {
    await fs.rm(clips, { recursive: true, force: true });
  }
}

/**
 * One mode once: a fresh dev server started with the mode's arguments, the API and one worker with SLOTS media slots
 * in this process, CLIPS long clips and the person's clip uploaded, a batch over the long ones; once every slot runs
 * batch work with more queued, the person's run; its history and the batch's once it has completed.
 */
async function scenario(mode: Mode, index: number, clips: { long: string; person: string }): Promise<Sample> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'reprocess-bench-priority-run-'));
  const env = await startScratchDevServer({ extraArgs: MODES[mode].args });
  try {
    const config = loadConfig({ DATA_DIR: work, TASK_QUEUE, MEDIA_SLOTS: String(SLOTS), LOG_LEVEL: 'silent' });
    const { catalog, database } = await openCatalog({ databaseUrl: null, dataDir: work, migrate: true });
    const worker = await createWorker(config, env.nativeConnection, env.client, { catalog });
    const { server, base } = await listenApi({
      connection: env.nativeConnection,
      catalog,
      dataDir: work,
      taskQueue: TASK_QUEUE,
    });
    try {
      return await worker.runUntil(async () => {
        const batchIds = Array.from({ length: CLIPS }, (_, k) => `batch-clip-${k + 1}`);
        for (const id of batchIds) await upload(base, id, clips.long);
        await upload(base, 'person', clips.person);

        const batchStarted = Date.now();
        await postJson(base, '/api/v1/batches', { id: 'bench', select: { ids: batchIds }, concurrency: CONCURRENCY });
        const busyWith = await slotsFilledByBatch(env, batchIds, batchStarted);

        const postedAt = Date.now();
        const accepted = AsyncTaskResponse.parse(await postJson(base, '/api/v1/videos/person/run_sync', {}));
        const handle = env.client.workflow.getHandle('person', accepted.run_id);
        await handle.result();
        const personRunMs = Date.now() - postedAt;
        const events = (await handle.fetchHistory()).events ?? [];

        const person = mediaSpans(events);
        const started = (span: Span) => span.startedMs ?? Infinity;
        const firstChunk = person.find((span) => span.type === 'transcodeChunk');
        if (!firstChunk) throw new Error("the person's run has no transcode chunk");
        const firstOfType = (type: temporal.api.enums.v1.EventType) =>
          timeOf(events.find((event) => event.eventType === type));
        const probeWaitMs =
          firstOfType(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED) -
          firstOfType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);

        const batch = await batchSpansOnceChunksDone(env, batchIds);
        const chunkDurations = batch
          .filter((span) => span.type === 'transcodeChunk' && span.completedMs !== null)
          .map((span) => span.completedMs! - started(span));
        const startedDuring = (from: number, to: number) =>
          batch.filter((span) => started(span) > from && started(span) < to).length;
        // The side steps, the chunks and the audio rendition are scheduled together after the probe; the assembly
        // only once the chunks are done.
        const scheduledAt = Math.min(...person.map((span) => span.scheduledMs));
        const firstRound = person.filter((span) => span.type !== 'assembleLadder');
        const waits = person.map((span) => started(span) - span.scheduledMs);
        return {
          mode,
          run: index,
          probeWaitMs,
          firstSlotWaitMs: Math.min(...firstRound.map((span) => started(span) - span.scheduledMs)),
          chunkWaitMs: started(firstChunk) - firstChunk.scheduledMs,
          longestWaitMs: Math.max(...waits),
          batchChunkMs: median(chunkDurations),
          batchChunks: chunkDurations.length,
          queuedAhead: batch.filter((span) => span.scheduledMs < scheduledAt && started(span) > scheduledAt).length,
          startedAhead: startedDuring(scheduledAt, Math.max(...firstRound.map(started))),
          steps: person.map((span) => ({
            type: span.type,
            waitMs: started(span) - span.scheduledMs,
            batchStarted: startedDuring(span.scheduledMs, started(span)),
          })),
          busyWith,
          personRunMs,
        };
      });
    } finally {
      server.close();
      await database.close();
    }
  } finally {
    await env.teardown();
    await fs.rm(work, { recursive: true, force: true });
  }
}

/**
 * Waits until the batch has run WARMUP_MS, every media slot runs one of its activities and at least as many more are
 * queued behind them; answers what the slots run.
 */
async function slotsFilledByBatch(env: TestWorkflowEnvironment, batchIds: string[], since: number): Promise<string[]> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const pending = (await Promise.all(batchIds.map((id) => pendingMedia(env, id)))).flatMap((p) => p ?? []);
    const running = pending.filter((activity) => activity.running).map((activity) => activity.type);
    const queued = pending.length - running.length;
    if (Date.now() - since >= WARMUP_MS && running.length >= SLOTS && queued >= SLOTS) return running.sort();
    if (Date.now() > deadline) throw new Error(`the batch never filled ${SLOTS} media slots: ${running.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A media activity of an open run, queued or running, as its description shows it. */
interface Pending {
  activityId: string;
  type: string;
  running: boolean;
  /** Of its current attempt; null while queued. */
  startedMs: number | null;
}

/** The media activities of a video's run that are queued or running now; null when the video never ran. */
async function pendingMedia(env: TestWorkflowEnvironment, videoId: string): Promise<Pending[] | null> {
  try {
    const description = await env.client.workflow.getHandle(videoId).describe();
    return (description.raw.pendingActivities ?? [])
      .filter((activity) => MEDIA.has(activity.activityType?.name ?? ''))
      .map((activity) => {
        const running = activity.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;
        return {
          activityId: activity.activityId ?? '?',
          type: activity.activityType?.name ?? '?',
          running,
          startedMs: running ? timeOf({ eventTime: activity.lastStartedTime }) : null,
        };
      });
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return null;
    throw error;
  }
}

/**
 * Every media activity of the batch's runs: from their histories, and the running ones (whose started event the
 * server writes only when they end) from their descriptions. Waits until MIN_BATCH_CHUNKS chunks have completed.
 */
async function batchSpansOnceChunksDone(env: TestWorkflowEnvironment, batchIds: string[]): Promise<Span[]> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const spans: Span[] = [];
    for (const id of batchIds) {
      const pending = await pendingMedia(env, id);
      if (pending === null) continue;
      const fromHistory = mediaSpans((await env.client.workflow.getHandle(id).fetchHistory()).events ?? []);
      for (const running of pending) {
        const span = fromHistory.find((s) => s.activityId === running.activityId && s.completedMs === null);
        if (span && span.startedMs === null) span.startedMs = running.startedMs;
      }
      spans.push(...fromHistory);
    }
    const chunks = spans.filter((span) => span.type === 'transcodeChunk' && span.completedMs !== null).length;
    if (chunks >= MIN_BATCH_CHUNKS) return spans;
    if (Date.now() > deadline) throw new Error(`only ${chunks} of the batch's chunks completed`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** A run's media activities from its history, in the order they were scheduled. */
function mediaSpans(events: HistoryEvent[]): Span[] {
  const bySchedule = new Map<string, Span>();
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled && MEDIA.has(scheduled.activityType?.name ?? '')) {
      bySchedule.set(String(event.eventId), {
        activityId: scheduled.activityId ?? '?',
        type: scheduled.activityType?.name ?? '?',
        scheduledMs: timeOf(event),
        startedMs: null,
        completedMs: null,
      });
    }
    const started = bySchedule.get(String(event.activityTaskStartedEventAttributes?.scheduledEventId));
    // Written when the activity ends, but with the time its last attempt started.
    if (started) started.startedMs = timeOf(event);
    const completed = bySchedule.get(String(event.activityTaskCompletedEventAttributes?.scheduledEventId));
    if (completed) completed.completedMs = timeOf(event);
  }
  return [...bySchedule.values()];
}

function timeOf(event: Pick<HistoryEvent, 'eventTime'> | undefined): number {
  const time = event?.eventTime;
  if (!time) throw new Error('an event without a time');
  return Number(time.seconds ?? 0) * 1000 + Number(time.nanos ?? 0) / 1e6;
}

async function upload(base: string, id: string, file: string): Promise<void> {
  const form = new FormData();
  form.append('id', id);
  form.append('file', await openAsBlob(file), path.basename(file));
  const response = await fetch(`${base}/api/v1/videos`, { method: 'POST', body: form });
  if (response.status !== 201) throw new Error(`upload of ${id} answered ${response.status}: ${await response.text()}`);
}

async function postJson(base: string, route: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${base}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 202) throw new Error(`POST ${route} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

function report(samples: Sample[], seconds: number): void {
  console.log(
    `\na person's ${PERSON_SECONDS}-s clip started while a batch of ${CLIPS} ${CLIP_SECONDS}-s ${CLIP_HEIGHT}p clips ` +
      `(${CONCURRENCY} runs open at once) keeps the worker's ${SLOTS} media slots busy, ${CORES} cores; each run:`,
  );
  table(
    [
      'mode',
      'run',
      'probe wait',
      'first slot',
      'first chunk wait',
      'longest wait',
      'batch chunk (n)',
      'chunk wait ÷ chunk',
      'batch queued',
      'batch let ahead',
      'person run',
    ],
    samples.map((s) => [
      MODES[s.mode].label,
      String(s.run),
      ms(s.probeWaitMs),
      ms(s.firstSlotWaitMs),
      ms(s.chunkWaitMs),
      ms(s.longestWaitMs),
      `${ms(s.batchChunkMs)} (${s.batchChunks})`,
      (s.chunkWaitMs / s.batchChunkMs).toFixed(2),
      String(s.queuedAhead),
      String(s.startedAhead),
      ms(s.personRunMs),
    ]),
  );
  console.log(`\nmedians of ${RUNS} run(s) per mode (goal: the person's wait ≤ one chunk or step of the batch):`);
  table(
    ['mode', 'probe wait', 'first slot', 'first chunk wait', 'longest wait', 'batch chunk', 'chunk wait ÷ chunk'],
    modesChosen().map((mode) => {
      const of = samples.filter((s) => s.mode === mode);
      const middle = (pick: (s: Sample) => number) => median(of.map(pick));
      return [
        MODES[mode].label,
        ms(middle((s) => s.probeWaitMs)),
        ms(middle((s) => s.firstSlotWaitMs)),
        ms(middle((s) => s.chunkWaitMs)),
        ms(middle((s) => s.longestWaitMs)),
        ms(middle((s) => s.batchChunkMs)),
        middle((s) => s.chunkWaitMs / s.batchChunkMs).toFixed(2),
      ];
    }),
  );
  console.log(`\nbench time ${seconds.toFixed(0)} s`);
}

/** The middle value; of an even count, the mean of the two middle ones. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const half = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[half]! : (sorted[half - 1]! + sorted[half]!) / 2;
}

function modesChosen(): Mode[] {
  for (const mode of CHOSEN) {
    if (!(mode in MODES))
      throw new Error(`BENCH_MODES: unknown mode "${mode}"; known: ${Object.keys(MODES).join(', ')}`);
  }
  return [...CHOSEN] as Mode[];
}

function table(header: string[], rows: string[][]): void {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

function ms(value: number): string {
  if (!Number.isFinite(value)) return '—';
  return value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(1)} s`;
}

run().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
