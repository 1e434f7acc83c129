// npm run bench:pipeline — the whole pipeline on a generated 60-s 1080p clip with audio, against its floors:
// (a) reprocess, POST → completed; (b) the best single ffmpeg command making the same outputs; (c) a naive script,
// one ffmpeg per output, one after another; (d) the CPU floor: CPU seconds of the rung encodes alone ÷ cores.
// Also the p95 gap between the GET's overall % and the true progress of the encoders at the same moment.
import { promises as fs } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import pino from 'pino';
import { createApp } from '../src/api/app';
import { Orchestrator } from '../src/api/orchestrator';
import type { TaskProgressResponse } from '../src/api/models';
import { loadConfig } from '../src/config';
import { buildAudioArgs } from '../src/media/audio';
import {
  buildAudioRenditionArgs,
  buildAudioRenditionOutputArgs,
  buildHlsLadderArgs,
  buildLadderOutputArgs,
} from '../src/media/hls';
import { planLadder } from '../src/media/ladder';
import { buildScenesArgs } from '../src/media/scenes';
import { buildPosterArgs, buildStoryboardArgs, planStoryboard } from '../src/media/thumbnails';
import { openCatalog } from '../src/store';
import { createWorker } from '../src/worker';
import { makeClip } from '../scripts/lib/clips';
import { startScratchDevServer } from '../scripts/lib/dev-server';
import { CORES, percentile, processTreeCpuSeconds, timeCommand, type Timed } from './lib';
import { eventCounts, runTimeline, type Milestone } from './timeline';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 60);
/** Runs of (a) and (b), interleaved so that the machine's drift touches both alike; medians are reported. */
const RUNS = Math.max(1, Number(process.env['BENCH_RUNS'] ?? 3));
/** BENCH_EAGER=0 starts runs the ordinary way, to measure what eager workflow start saves. */
const EAGER = process.env['BENCH_EAGER'] !== '0';
const WIDTH = 1920;
const HEIGHT = 1080;

async function run(): Promise<void> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'reprocess-bench-'));
  try {
    const source = path.join(work, 'clip.mp4');
    console.log(`generating a ${SECONDS}-s ${WIDTH}x${HEIGHT} clip with audio…`);
    await makeClip(source, { seconds: SECONDS, width: WIDTH, height: HEIGHT, fps: 30 });

    const service = await startService(work);
    const runs: Ours[] = [];
    const singles: Timed[] = [];
    try {
      for (let index = 1; index <= RUNS; index += 1) {
        console.log(`run ${index} of ${RUNS}: (a) reprocess…`);
        runs.push(await service.reprocess(`bench-${index}`, source));
        singles.push(await singleCommand(source, path.join(work, `single-${index}`)));
      }
    } finally {
      await service.stop();
    }
    const c = await naiveScript(source, path.join(work, 'naive'));
    const d = c.rungCpuSeconds / CORES;
    const a = medianOf(runs.map((r) => r.wallSeconds));
    const b = medianOf(singles.map((t) => t.wallSeconds));
    const aCpu = medianOf(runs.map((r) => r.cpuSeconds));
    const bCpu = medianOf(singles.map((t) => t.cpuSeconds));

    const rows = [
      ['(a) reprocess, POST → completed', a],
      ['(b) best single ffmpeg command', b],
      ['(c) naive script, one ffmpeg per output', c.wallSeconds],
      [`(d) CPU floor: rung encodes' CPU ÷ ${CORES} cores`, d],
    ] as const;
    console.log(
      `\npipeline on a ${SECONDS}-s ${WIDTH}x${HEIGHT} clip, ${CORES} cores, medians of ${RUNS} interleaved runs`,
    );
    for (const [label, seconds] of rows) console.log(`  ${label.padEnd(48)} ${seconds.toFixed(2).padStart(7)} s`);
    console.log(
      `  each run: (a) ${list(runs.map((r) => r.wallSeconds))} s · (b) ${list(singles.map((t) => t.wallSeconds))} s`,
    );
    const busy = (cpu: number, wall: number) => `${((cpu / wall / CORES) * 100).toFixed(0)} %`;
    console.log(`  cores busy: (a) ${busy(aCpu, a)}, (b) ${busy(bCpu, b)}`);
    console.log(
      `  CPU seconds: (a) ${aCpu.toFixed(1)}, (b) ${bCpu.toFixed(1)}, rung encodes of (c) ${c.rungCpuSeconds.toFixed(1)}`,
    );
    console.log(
      `  (a)'s CPU ÷ the CPU floor (every output made alone, once: ${c.cpuSeconds.toFixed(1)} s) = ${(aCpu / c.cpuSeconds).toFixed(2)}`,
    );
    console.log(`  (a) − (b) = ${(a - b).toFixed(2)} s`);
    console.log(`  (a) ÷ (b) = ${(a / b).toFixed(2)}`);
    console.log(`  (a) ÷ (c) = ${(a / c.wallSeconds).toFixed(2)}`);
    console.log(`  (a) ÷ (d) = ${(a / d).toFixed(2)}   (1.00 would be the floor itself)`);
    const gaps = runs.flatMap((r) => r.gaps);
    console.log(
      `  progress gap, GET vs truth: p95 ${percentile(gaps, 95).toFixed(1)} points, max ${Math.max(...gaps).toFixed(1)} (${gaps.length} polls)`,
    );
    console.log(
      `  first sight after the 202: running with a step started ${ms(medianOf(runs.map((r) => r.firstRunningMs)))}, ` +
        `progress > 0 ${ms(medianOf(runs.map((r) => r.firstProgressMs)))}`,
    );
    const counts = runs.map((r) => r.events);
    console.log(
      `  history events: ${list(
        counts.map((e) => e.total),
        0,
      )} (workflow tasks ${list(
        counts.map((e) => e.workflowTasks),
        0,
      )}, ` +
        `markers ${list(
          counts.map((e) => e.markers),
          0,
        )})   budget < 1000`,
    );
    console.log(
      `\nwhere (a)'s time goes, ms after the POST (median of ${RUNS}; eager start ${EAGER ? 'asked' : 'off'}):`,
    );
    const labels = runs[0]!.timeline.map((m) => m.label);
    let previous = 0;
    labels.forEach((label, index) => {
      const known = runs.map((r) => r.timeline[index]?.atMs).filter((v): v is number => typeof v === 'number');
      if (known.length === 0) return;
      const at = medianOf(known);
      console.log(`  ${label.padEnd(34)} ${at.toFixed(0).padStart(7)} ms   +${(at - previous).toFixed(0)}`);
      previous = at;
    });
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

interface Ours {
  wallSeconds: number;
  cpuSeconds: number;
  gaps: number[];
  firstRunningMs: number;
  firstProgressMs: number;
  events: ReturnType<typeof eventCounts>;
  timeline: Milestone[];
}

/** (a)'s service: dev server, worker and API in this process, kept up across the runs. */
async function startService(dataDir: string) {
  const env = await startScratchDevServer();
  const truth = new Map<string, number>();
  /** A step's parts (the transcode's chunks): each one's own fraction and its share of the run. */
  const parts = new Map<string, Map<number, { fraction: number; share: number }>>();
  const config = loadConfig({ DATA_DIR: dataDir, TASK_QUEUE: 'bench' });
  const { catalog } = await openCatalog({ databaseUrl: null, dataDir, migrate: true });
  const worker = await createWorker(config, env.nativeConnection, env.client, {
    catalog,
    observe: (runId, step, fraction, part) => {
      if (part === undefined) {
        truth.set(`${runId}/${step}`, Math.max(truth.get(`${runId}/${step}`) ?? 0, fraction));
        return;
      }
      const known = parts.get(`${runId}/${step}`) ?? new Map<number, { fraction: number; share: number }>();
      known.set(part.part, { fraction: Math.max(known.get(part.part)?.fraction ?? 0, fraction), share: part.share });
      parts.set(`${runId}/${step}`, known);
    },
  });
  const running = worker.run();
  // The API's client on the worker's own connection, so the run's first workflow task can come back eagerly.
  const client = new Client({ connection: env.nativeConnection });
  const app = createApp({
    orchestrator: new Orchestrator(client, { taskQueue: 'bench', queryTimeoutMs: 2000, eagerStart: EAGER }),
    catalog,
    dataDir,
    logger: pino({ level: 'silent' }),
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  /** One run: POST, then poll the GET (briefly fast, for the first sight, then every 250 ms) until it completes. */
  async function reprocess(videoId: string, clip: string): Promise<Ours> {
    await fs.mkdir(path.join(dataDir, 'media', videoId), { recursive: true });
    await fs.copyFile(clip, path.join(dataDir, 'media', videoId, 'source.mp4'));
    const postedAt = Date.now();
    const started = performance.now();
    const cpuBefore = processTreeCpuSeconds();
    const accepted = await fetch(`${base}/api/v1/videos/${videoId}/run_sync`, { method: 'POST' });
    if (accepted.status !== 202) throw new Error(`POST answered ${accepted.status}`);
    const acceptedAt = performance.now();
    const { run_id: runId } = (await accepted.json()) as { run_id: string };
    const handle = env.client.workflow.getHandle(videoId, runId);
    let resultSeenAt: number | undefined;
    let resultSeenAtMs = 0;
    const result = handle.result().then(() => {
      resultSeenAt = performance.now();
      resultSeenAtMs = Date.now();
    });
    result.catch(() => undefined);
    const gaps: number[] = [];
    let firstRunningMs = NaN;
    let firstProgressMs = NaN;
    while (resultSeenAt === undefined) {
      const body = (await (await fetch(`${base}/api/v1/videos/${videoId}/reprocess`)).json()) as TaskProgressResponse;
      const sinceAccepted = performance.now() - acceptedAt;
      if (body.status === 'completed') break;
      if (body.status !== 'running' && body.status !== 'queued')
        throw new Error(
          `run ended ${body.status}: ${body.error ?? ''} ${JSON.stringify(body.subtasks.map((s) => [s.name, s.status, s.attempt, s.error]))}`,
        );
      if (
        Number.isNaN(firstRunningMs) &&
        body.status === 'running' &&
        body.subtasks.some((s) => s.status !== 'pending')
      )
        firstRunningMs = sinceAccepted;
      if (Number.isNaN(firstProgressMs) && body.progress > 0) firstProgressMs = sinceAccepted;
      const trueOverall = overallFromTruth(body, runId, truth, parts);
      if (trueOverall !== null) gaps.push(Math.abs(trueOverall - body.progress));
      await new Promise((resolve) => setTimeout(resolve, Number.isNaN(firstProgressMs) ? 20 : 250));
    }
    await result;
    const wallSeconds = ((resultSeenAt ?? performance.now()) - started) / 1000;
    const cpuAfter = processTreeCpuSeconds();
    const cpuSeconds = cpuBefore === null || cpuAfter === null ? NaN : cpuAfter - cpuBefore;
    const events = (await handle.fetchHistory()).events ?? [];
    return {
      wallSeconds,
      cpuSeconds,
      gaps,
      firstRunningMs,
      firstProgressMs,
      events: eventCounts(events),
      timeline: runTimeline(events, postedAt, resultSeenAtMs),
    };
  }

  async function stop(): Promise<void> {
    server.close();
    worker.shutdown();
    await running;
    await env.teardown();
  }
  return { reprocess, stop };
}

const medianOf = (values: number[]) => percentile(values, 50);
const list = (values: number[], digits = 2) => values.map((v) => v.toFixed(digits)).join(' · ');
const ms = (value: number) => (Number.isNaN(value) ? 'never seen' : `${value.toFixed(0)} ms`);

/**
 * The overall % the encoders have truly reached, with the run's own weights; null before the probe. A step made of
 * parts has reached the sum of its parts' fractions, each by its share of the run.
 */
function overallFromTruth(
  body: TaskProgressResponse,
  runId: string,
  truth: Map<string, number>,
  parts: Map<string, Map<number, { fraction: number; share: number }>>,
): number | null {
  let weighted = 0;
  let total = 0;
  for (const subtask of body.subtasks) {
    if (subtask.status !== 'skipped') total += subtask.weight;
  }
  for (const subtask of body.subtasks) {
    if (subtask.status === 'skipped') continue;
    const ofParts = parts.get(`${runId}/${subtask.name}`);
    const stepShare = total > 0 ? subtask.weight / total : 0;
    const fromParts =
      ofParts === undefined || stepShare === 0
        ? null
        : [...ofParts.values()].reduce((sum, p) => sum + p.share * p.fraction, 0) / stepShare;
    const fraction =
      subtask.status === 'completed' ? 1 : Math.min(1, fromParts ?? truth.get(`${runId}/${subtask.name}`) ?? 0);
    weighted += subtask.weight * fraction;
  }
  if (body.subtasks.find((s) => s.name === 'probe')?.status !== 'completed' || total === 0) return null;
  return (weighted / total) * 100;
}

/**
 * (b): one ffmpeg, decode once, every output from one filter graph, filter threads = cores; the ladder as ours is,
 * video renditions without audio and the audio once as a rendition of its own.
 */
async function singleCommand(source: string, out: string): Promise<Timed> {
  const ladder = planLadder({ width: WIDTH, height: HEIGHT });
  const plan = planStoryboard(SECONDS, WIDTH, HEIGHT);
  for (const r of ladder) await fs.mkdir(path.join(out, r.name), { recursive: true });
  await fs.mkdir(path.join(out, 'audio'), { recursive: true });
  const n = ladder.length;
  const graph = [
    `[0:v]split=${n + 3}${ladder.map((_, i) => `[s${i}]`).join('')}[sb][sc][po]`,
    ...ladder.map((r, i) => `[s${i}]scale=${r.width}:${r.height},setsar=1,format=yuv420p[v${i}]`),
    `[sb]fps=1/${plan.intervalSeconds},scale=${plan.thumbWidth}:${plan.thumbHeight},tile=10x10[sbo]`,
    `[sc]scale=320:-2,scdet=threshold=10,nullsink`,
    `[po]select='gte(t,${SECONDS * 0.1})',scale='min(1280,iw)':-2[poo]`,
    `[0:a]asplit=4[a0][a1][a2][a3]`,
    `[a1]ebur128=peak=true:framelog=verbose,anullsink`,
    `[a2]aformat=channel_layouts=mono,aresample=2000[a2o]`,
  ].join(';');
  const args = [
    '-nostdin',
    '-hide_banner',
    '-loglevel',
    'error',
    '-i',
    source,
    '-filter_complex_threads',
    String(CORES),
    '-filter_complex',
    graph,
  ];
  args.push(...buildLadderOutputArgs({ outDir: out, renditions: ladder, hasAudio: false }));
  args.push(...buildAudioRenditionOutputArgs({ outDir: path.join(out, 'audio'), audioKbps: 128 }, '[a3]'));
  args.push('-map', '[sbo]', '-q:v', '5', path.join(out, 'storyboard_%03d.jpg'));
  args.push('-map', '[poo]', '-frames:v', '1', '-q:v', '3', path.join(out, 'poster.jpg'));
  args.push('-map', '[a0]', '-c:a', 'aac', '-b:a', '128k', '-ac', '2', path.join(out, 'audio.m4a'));
  args.push('-map', '[a2o]', '-c:a', 'pcm_s16le', '-f', 's16le', path.join(out, 'waveform.pcm'));
  console.log('(b) single command…');
  return timeCommand('ffmpeg', args);
}

/** (c): one ffmpeg per output, one after another; the rung encodes' CPU gives the floor (d). */
async function naiveScript(source: string, out: string) {
  const ladder = planLadder({ width: WIDTH, height: HEIGHT });
  const plan = planStoryboard(SECONDS, WIDTH, HEIGHT);
  await fs.mkdir(out, { recursive: true });
  console.log('(c) naive script…');
  let wallSeconds = 0;
  let rungCpuSeconds = 0;
  for (const rendition of ladder) {
    const dir = path.join(out, rendition.name);
    await fs.mkdir(path.join(dir, rendition.name), { recursive: true });
    const timed = await timeCommand(
      'ffmpeg',
      buildHlsLadderArgs({
        sourcePath: source,
        durationSeconds: SECONDS,
        outDir: dir,
        renditions: [rendition],
        hasAudio: false,
      }).filter(dropProgress()),
    );
    wallSeconds += timed.wallSeconds;
    rungCpuSeconds += timed.cpuSeconds;
  }
  await fs.mkdir(path.join(out, 'audio'), { recursive: true });
  const others = [
    buildAudioRenditionArgs({
      sourcePath: source,
      durationSeconds: SECONDS,
      tracks: [{ audioTrack: 0, outDir: path.join(out, 'audio') }],
      audioKbps: 128,
    }),
    buildPosterArgs(source, out, { durationSeconds: SECONDS, width: WIDTH, height: HEIGHT }),
    buildStoryboardArgs(source, out, plan, SECONDS),
    buildAudioArgs(source, out, SECONDS),
    buildScenesArgs(source, { durationSeconds: SECONDS }),
  ];
  let cpuSeconds = rungCpuSeconds;
  for (const args of others) {
    const timed = await timeCommand('ffmpeg', args.filter(dropProgress()));
    wallSeconds += timed.wallSeconds;
    cpuSeconds += timed.cpuSeconds;
  }
  return { wallSeconds, rungCpuSeconds, cpuSeconds };
}

/** Drops `-progress pipe:1` from a product command: the scripts compared against do not report progress. */
function dropProgress() {
  let skipNext = false;
  return (arg: string) => {
    if (skipNext) {
      skipNext = false;
      return false;
    }
    if (arg === '-progress') {
      skipNext = true;
      return false;
    }
    return true;
  };
}

run().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
