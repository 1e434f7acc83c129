// npm run bench:pipeline — the whole pipeline on a generated 60-s 1080p clip with audio, against its floors:
// (a) reprocess, POST → completed; (b) the best single ffmpeg command making the same outputs; (c) a naive script,
// one ffmpeg per output, one after another; (d) the CPU floor: CPU seconds of the rung encodes alone ÷ cores.
// Also the p95 gap between the GET's overall % and the true progress of the encoders at the same moment.
import { promises as fs } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createApp } from '../src/api/app';
import { Orchestrator } from '../src/api/orchestrator';
import type { TaskProgressResponse } from '../src/api/models';
import { loadConfig } from '../src/config';
import { buildAudioArgs } from '../src/media/audio';
import { buildHlsLadderArgs, buildLadderOutputArgs } from '../src/media/hls';
import { planLadder } from '../src/media/ladder';
import { buildScenesArgs } from '../src/media/scenes';
import { buildPosterArgs, buildStoryboardArgs, planStoryboard } from '../src/media/thumbnails';
import { openCatalog } from '../src/store';
import { createWorker } from '../src/worker';
import { makeClip } from '../scripts/lib/clips';
import { startScratchDevServer } from '../scripts/lib/dev-server';
import { CORES, percentile, processTreeCpuSeconds, timeCommand, type Timed } from './lib';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 60);
const WIDTH = 1920;
const HEIGHT = 1080;

async function run(): Promise<void> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'reprocess-bench-'));
  try {
    const source = path.join(work, 'media', 'bench', 'source.mp4');
    console.log(`generating a ${SECONDS}-s ${WIDTH}x${HEIGHT} clip with audio…`);
    await makeClip(source, { seconds: SECONDS, width: WIDTH, height: HEIGHT, fps: 30 });

    const a = await ours(work);
    const b = await singleCommand(source, path.join(work, 'single'));
    const c = await naiveScript(source, path.join(work, 'naive'));
    const d = c.rungCpuSeconds / CORES;

    const rows = [
      ['(a) reprocess, POST → completed', a.wallSeconds],
      ['(b) best single ffmpeg command', b.wallSeconds],
      ['(c) naive script, one ffmpeg per output', c.wallSeconds],
      [`(d) CPU floor: rung encodes' CPU ÷ ${CORES} cores`, d],
    ] as const;
    console.log(`\npipeline on a ${SECONDS}-s ${WIDTH}x${HEIGHT} clip, ${CORES} cores`);
    for (const [label, seconds] of rows) console.log(`  ${label.padEnd(48)} ${seconds.toFixed(1).padStart(6)} s`);
    const busy = (cpu: number, wall: number) => `${((cpu / wall / CORES) * 100).toFixed(0)} %`;
    console.log(`  cores busy: (a) ${busy(a.cpuSeconds, a.wallSeconds)}, (b) ${busy(b.cpuSeconds, b.wallSeconds)}`);
    console.log(
      `  CPU seconds: (a) ${a.cpuSeconds.toFixed(0)}, (b) ${b.cpuSeconds.toFixed(0)}, rung encodes of (c) ${c.rungCpuSeconds.toFixed(0)}`,
    );
    console.log(`  (a) ÷ (b) = ${(a.wallSeconds / b.wallSeconds).toFixed(2)}   goal ≤ 0.85`);
    console.log(`  (a) ÷ (c) = ${(a.wallSeconds / c.wallSeconds).toFixed(2)}   goal ≤ 0.75`);
    console.log(`  (a) ÷ (d) = ${(a.wallSeconds / d).toFixed(2)}   (1.00 would be the floor itself)`);
    console.log(
      `  progress gap, GET vs truth: p95 ${a.gapP95.toFixed(1)} points, max ${a.gapMax.toFixed(1)} (${a.samples} polls)   goal p95 ≤ 2`,
    );
    console.log(`  history events: ${a.historyLength}   budget < 1000`);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** (a): dev server, worker and API in this process; POST, then poll the GET until completed. */
async function ours(dataDir: string) {
  const env = await startScratchDevServer();
  let server: ReturnType<ReturnType<typeof createApp>['listen']> | undefined;
  try {
    const truth = new Map<string, number>();
    const config = loadConfig({ DATA_DIR: dataDir, TASK_QUEUE: 'bench' });
    const { catalog } = await openCatalog({ databaseUrl: null, dataDir, migrate: true });
    const worker = await createWorker(config, env.nativeConnection, env.client, {
      catalog,
      observe: (_runId, step, fraction) => truth.set(step, Math.max(truth.get(step) ?? 0, fraction)),
    });
    const app = createApp({
      orchestrator: new Orchestrator(env.client, { taskQueue: 'bench', queryTimeoutMs: 2000 }),
      catalog,
      dataDir,
      logger: pino({ level: 'silent' }),
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server?.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return await worker.runUntil(async () => {
      const started = performance.now();
      const cpuBefore = processTreeCpuSeconds();
      const accepted = await fetch(`${base}/api/v1/videos/bench/run_sync`, { method: 'POST' });
      if (accepted.status !== 202) throw new Error(`POST answered ${accepted.status}`);
      const gaps: number[] = [];
      for (;;) {
        const body = (await (await fetch(`${base}/api/v1/videos/bench/reprocess`)).json()) as TaskProgressResponse;
        if (body.status === 'completed') break;
        if (body.status !== 'running' && body.status !== 'queued')
          throw new Error(
            `run ended ${body.status}: ${body.error ?? ''} ${JSON.stringify(body.subtasks.map((s) => [s.name, s.status, s.attempt, s.error]))}`,
          );
        const trueOverall = overallFromTruth(body, truth);
        if (trueOverall !== null) gaps.push(Math.abs(trueOverall - body.progress));
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const wallSeconds = (performance.now() - started) / 1000;
      const cpuAfter = processTreeCpuSeconds();
      const cpuSeconds = cpuBefore === null || cpuAfter === null ? NaN : cpuAfter - cpuBefore;
      const historyLength = (await env.client.workflow.getHandle('bench').describe()).historyLength;
      return {
        wallSeconds,
        cpuSeconds,
        gapP95: percentile(gaps, 95),
        gapMax: Math.max(...gaps),
        samples: gaps.length,
        historyLength,
      };
    });
  } finally {
    server?.close();
    await env.teardown();
  }
}

/** The overall % the encoders have truly reached, with the run's own weights; null before the probe. */
function overallFromTruth(body: TaskProgressResponse, truth: Map<string, number>): number | null {
  let weighted = 0;
  let total = 0;
  for (const subtask of body.subtasks) {
    if (subtask.status === 'skipped') continue;
    const fraction = subtask.status === 'completed' ? 1 : (truth.get(subtask.name) ?? 0);
    weighted += subtask.weight * fraction;
    total += subtask.weight;
  }
  if (body.subtasks.find((s) => s.name === 'probe')?.status !== 'completed' || total === 0) return null;
  return (weighted / total) * 100;
}

/** (b): one ffmpeg, decode once, every output from one filter graph, filter threads = cores. */
async function singleCommand(source: string, out: string): Promise<Timed> {
  const ladder = planLadder({ width: WIDTH, height: HEIGHT });
  const plan = planStoryboard(SECONDS, WIDTH, HEIGHT);
  for (const r of ladder) await fs.mkdir(path.join(out, r.name), { recursive: true });
  const n = ladder.length;
  const graph = [
    `[0:v]split=${n + 3}${ladder.map((_, i) => `[s${i}]`).join('')}[sb][sc][po]`,
    ...ladder.map((r, i) => `[s${i}]scale=${r.width}:${r.height},setsar=1,format=yuv420p[v${i}]`),
    `[sb]fps=1/${plan.intervalSeconds},scale=${plan.thumbWidth}:${plan.thumbHeight},tile=10x10[sbo]`,
    `[sc]scale=320:-2,scdet=threshold=10,nullsink`,
    `[po]select='gte(t,${SECONDS * 0.1})',scale='min(1280,iw)':-2[poo]`,
    `[0:a]asplit=3[a0][a1][a2]`,
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
  args.push(...buildLadderOutputArgs({ outDir: out, renditions: ladder, hasAudio: true }));
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
        hasAudio: true,
      }).filter(dropProgress()),
    );
    wallSeconds += timed.wallSeconds;
    rungCpuSeconds += timed.cpuSeconds;
  }
  const others = [
    buildPosterArgs(source, out, { durationSeconds: SECONDS, width: WIDTH, height: HEIGHT }),
    buildStoryboardArgs(source, out, plan, SECONDS),
    buildAudioArgs(source, out, SECONDS),
    buildScenesArgs(source, { durationSeconds: SECONDS }),
  ];
  for (const args of others) wallSeconds += (await timeCommand('ffmpeg', args.filter(dropProgress()))).wallSeconds;
  return { wallSeconds, rungCpuSeconds };
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
