import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HLS_SEGMENT_SECONDS } from '../../src/media/ladder';
import type { BatchOutcome, BatchItemRow } from '../../src/store';
import { openTestCatalog } from '../helpers/catalog';
import { eventually } from '../helpers/gate';
import { ffmpegWritingInto, makeClip, makeDataDir, videoFrames } from '../helpers/media';
import { Cluster } from './cluster';
import { FaultReport, readFuzzReport } from './report';
import {
  between,
  Client,
  encodedPast,
  outputsAreWhole,
  Poller,
  runFolders,
  chunksOnDisk,
  sleep,
  videosAtWork,
  type Answer,
  type Progress,
} from './service';

/** The API's deadline for a progress answer (QUERY_TIMEOUT_MS, left at its default). */
const ANSWER_DEADLINE_MS = 2_000;
/**
 * Scheduling slack on a loaded two-core machine (dev server, worker, API, ffmpeg and this harness) before an answer
 * counts as late. The figure reported is the measured one.
 */
const SLACK_MS = 1_000;
const KILLS = 5;
const FPS = 24;
const RENDITIONS = ['180p', '144p'];
const LADDER = { renditions: [180, 144] };
/** Videos of the batch scenario, and their length: short runs, so the batch goes through several rounds. */
const BATCH_VIDEOS = 8;
const BATCH_CLIP_SECONDS = 6;
const BATCH_CONCURRENCY = 2;

interface Clip {
  id: string;
  file: string;
  seconds: number;
  frames: number;
}

/**
 * Faults on the real service — a file-backed dev server, a worker and an API as their own processes — and what a
 * user of it sees meanwhile. Ends with the fault table, also written to reports/chaos.json.
 */
describe('reprocess under faults', () => {
  const report = new FaultReport();
  let cluster: Cluster;
  let client: Client;
  let cleanup: () => Promise<void>;
  let long: Clip;
  let short: Clip;
  let tiny: Clip;

  beforeAll(async () => {
    const made = await makeDataDir();
    cleanup = made.cleanup;
    const clip = async (id: string, seconds: number): Promise<Clip> => {
      const file = await makeClip(path.join(made.dataDir, 'clips', `${id}.mp4`), {
        seconds,
        width: 320,
        height: 180,
        fps: FPS,
      });
      return { id, file, seconds, frames: await videoFrames(file) };
    };
    [long, short, tiny] = [await clip('long', 240), await clip('short', 60), await clip('tiny', 6)];
    cluster = await Cluster.start(made.dataDir);
    client = new Client(cluster);
    for (const video of [long, short, tiny]) await client.upload(video.id, video.file);
  }, 300_000);

  // Pollers a failed scenario left running are stopped before the next one starts.
  const pollers: Poller[] = [];
  function poll(ask: () => Promise<Answer>, everyMs: number): Poller {
    const poller = new Poller(ask, everyMs);
    pollers.push(poller);
    return poller;
  }

  afterEach(async () => {
    await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
  });

  afterAll(async () => {
    await cluster?.stop();
    await cleanup?.();
    const fuzz = await readFuzzReport();
    if (fuzz) {
      report.add({
        fault: 'fuzzed requests (npm run test:fuzz)',
        injected: fuzz.requests,
        outcome: `${fuzz.serverErrors} × 5xx; heap ${fuzz.heapMiB.before.toFixed(1)} → ${fuzz.heapMiB.after.toFixed(1)} MiB (run ${fuzz.finishedAt})`,
      });
    }
    const written = await report.write();
    process.stdout.write(`\nFault report (${written}):\n${report.table()}\n\n`);
  });

  async function completeAndCheck(video: Clip, runId: string) {
    const done = await client.finished(video.id, runId).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${cluster.diagnostics()}`);
    });
    const { published } = runFolders(cluster.dataDir, video.id, runId);
    const check = await outputsAreWhole(published, RENDITIONS, video, HLS_SEGMENT_SECONDS);
    return { done, completed: done.status === 'completed', ...check };
  }

  it(`survives ${KILLS} SIGKILLs of the worker inside transcode, re-encoding little, serving the old outputs meanwhile`, async () => {
    const first = await client.start(long.id, LADDER);
    const baseline = await completeAndCheck(long, first);
    expect(baseline.problems).toEqual([]);
    const transcode = baseline.done.subtasks.find((step) => step.name === 'transcode');
    const transcodeMs = Date.parse(transcode?.finished_at ?? '') - Date.parse(transcode?.started_at ?? '');
    // Chunks run side by side: a segment of each comes out in about this long.
    const segmentMs = transcodeMs / Math.ceil(long.seconds / HLS_SEGMENT_SECONDS / 2);

    // The published outputs, asked for all along: a client playing the video must never notice the faults.
    const served = poll(async () => {
      const master = await client.request(`/media/${long.id}/current/master.m3u8`);
      return master.status === 200 ? client.request(`/media/${long.id}/current/180p/playlist.m3u8`) : master;
    }, 250);

    const kills: Record<string, unknown>[] = [];
    for (let kill = 1; kill <= KILLS; kill += 1) {
      const runId = await client.start(long.id, LADDER);
      const { staging } = runFolders(cluster.dataDir, long.id, runId);
      const watch = poll(() => client.request(`/api/v1/videos/${long.id}/reprocess`), 300);

      // A random point inside the encode: a random position in the video, then a random moment within a segment.
      const target = between(0.1, 0.7) * long.seconds;
      await encodedPast(staging, '180p', target);
      await sleep(between(0, segmentMs));
      // Inside a chunk's encode, not between two (or in the audio renditions alone): wait for one if need be.
      const chunkEncoding = async () => {
        const chunks = await fs.readdir(path.join(staging, 'chunks')).catch(() => [] as string[]);
        for (const chunk of chunks.filter((name) => /^\d+$/.test(name))) {
          if ((await ffmpegWritingInto(path.join(staging, 'chunks', chunk, 'attempt-'))).length > 0) return true;
        }
        return undefined;
      };
      const insideTranscode = (await eventually(chunkEncoding, 30_000).catch(() => false)) === true;
      await cluster.kill('worker', 'SIGKILL');
      const killedAt = Date.now();
      // The run's ffmpeg processes die with their worker; what they had finished is on disk.
      await eventually(async () => ((await ffmpegWritingInto(staging)).length === 0 ? true : undefined), 10_000);
      // The chunks being encoded at the kill: each had its whole segments on disk, and up to a segment in memory
      // (ffmpeg 5.1 writes a segment out whole), reckoned from the time since its last one at its own speed.
      const killed = (await chunksOnDisk(staging, '180p')).filter((chunk) => !chunk.done);
      const inMemoryOf = (chunk: (typeof killed)[number]) => {
        if (chunk.lastSegmentAt === null || chunk.wholeSeconds === 0) return HLS_SEGMENT_SECONDS;
        const speed = chunk.wholeSeconds / Math.max(1, chunk.lastSegmentAt - chunk.startedAt);
        return Math.min(HLS_SEGMENT_SECONDS, (killedAt - chunk.lastSegmentAt) * speed);
      };
      cluster.startWorker();

      const result = await completeAndCheck(long, runId);
      const answers = await watch.stop();
      const ladder = (
        result.done.result as {
          outputs: { transcode: { chunks: number; resumes: { chunk: number; segment: number; seconds: number }[] } };
        }
      ).outputs.transcode;
      // Re-encoded: of each killed chunk, what it had whole and was not kept by its retry, and what was in memory.
      // Finished chunks cost nothing: their activities had completed.
      const redone = killed.map((chunk) => {
        const resumed = ladder.resumes.filter((resume) => resume.chunk === chunk.chunk).at(-1);
        const kept =
          resumed === undefined || chunk.firstSegment === null
            ? 0
            : (resumed.segment - chunk.firstSegment) * HLS_SEGMENT_SECONDS;
        return Math.max(0, chunk.wholeSeconds - kept) + inMemoryOf(chunk);
      });
      const reached = killed.reduce((sum, chunk) => sum + chunk.wholeSeconds + inMemoryOf(chunk), 0);
      kills.push({
        runId,
        insideTranscode,
        chunks: ladder.chunks,
        chunksKilled: killed.length,
        chunksWithWholeSegments: killed.filter((chunk) => chunk.wholeSeconds > 0).length,
        chunksResumed: new Set(ladder.resumes.map((resume) => resume.chunk)).size,
        killedChunksAtSeconds: round(reached),
        redoneSeconds: round(redone.reduce((sum, seconds) => sum + seconds, 0)),
        worstChunkRedoneSeconds: round(Math.max(0, ...redone)),
        transcodeMessage: result.done.subtasks.find((step) => step.name === 'transcode')?.message ?? null,
        completed: result.completed,
        whole: result.whole,
        problems: result.problems,
        ...progressSeen(answers, runId),
      });
    }
    const servedAnswers = await served.stop();
    const failedServes = servedAnswers.filter((answer) => answer.status !== 200);

    const redone = kills.reduce((sum, kill) => sum + (kill['redoneSeconds'] as number), 0);
    // Of what the runs encoded: each kill interrupts every chunk then running, so this grows with the chunks at once.
    const redonePercent = (100 * redone) / (KILLS * long.seconds);
    const completed = kills.filter((kill) => kill['completed']).length;
    const whole = kills.filter((kill) => kill['whole']).length;
    report.add(
      {
        fault: 'worker SIGKILL inside transcode',
        injected: KILLS,
        runsCompleted: [completed, KILLS],
        outputsValid: [whole, KILLS],
        redonePercent,
        outcome: `${round(redone)} s of ${KILLS} × ${long.seconds} s re-encoded; old outputs served ${servedAnswers.length - failedServes.length}/${servedAnswers.length}`,
      },
      { kills, transcodeMs, servedRequests: servedAnswers.length, failedServes },
    );

    for (const kill of kills) {
      expect(kill).toMatchObject({ insideTranscode: true, completed: true, whole: true, progressWentBack: false });
      // Clients saw the retry (the transcode's attempt 2), and its transcode was resumed, not restarted.
      expect(kill['transcodeAttempts']).toBeGreaterThanOrEqual(2);
      expect(kill['chunks']).toBeGreaterThan(1);
      expect(kill['chunksKilled']).toBeGreaterThan(0);
      // Every killed chunk with whole segments on disk was resumed there, not restarted, and said so.
      expect(kill['chunksResumed']).toBe(kill['chunksWithWholeSegments']);
      if ((kill['chunksResumed'] as number) > 0) expect(kill['transcodeMessage']).toMatch(/^resumed at /);
      // A kill costs at most the chunks it interrupted, and of each at most two segments: the one in memory, and the
      // chunk's last one, which a retry always encodes itself (the closing playlist is its ffmpeg's to write).
      expect(kill['worstChunkRedoneSeconds']).toBeLessThanOrEqual(2 * HLS_SEGMENT_SECONDS);
    }
    expect(failedServes).toEqual([]);
    expect(redonePercent).toBeLessThan(10);
  }, 900_000);

  it('finishes a run whose worker is SIGKILLed inside a local activity (the probe)', async () => {
    // The worker's ffprobe is the real one behind a gate: while the gate file exists it says it is inside and waits,
    // so the kill lands inside the probe, which runs as a local activity within the workflow task (the worker's
    // start-up check, `-version`, goes through).
    const gate = path.join(cluster.dataDir, 'probe-gate');
    const inside = path.join(cluster.dataDir, 'probe-inside');
    const gatedProbe = path.join(cluster.dataDir, 'gated-ffprobe');
    await fs.writeFile(
      gatedProbe,
      `#!/bin/sh\ncase "$*" in *-version*) ;; *) if [ -e '${gate}' ]; then : > '${inside}'; sleep 60; fi ;; esac\nexec ffprobe "$@"\n`,
      { mode: 0o755 },
    );
    await fs.writeFile(gate, '');
    await cluster.kill('worker', 'SIGTERM');
    cluster.startWorker({ FFPROBE_PATH: gatedProbe });
    try {
      const runId = await client.start(tiny.id, LADDER);
      await eventually(
        () =>
          fs.access(inside).then(
            () => true,
            () => undefined,
          ),
        60_000,
      );
      await cluster.kill('worker', 'SIGKILL');
      const killedAt = Date.now();
      await fs.rm(gate);
      cluster.startWorker({ FFPROBE_PATH: gatedProbe });
      const result = await completeAndCheck(tiny, runId);
      const recoveredSeconds = (Date.now() - killedAt) / 1000;
      report.add({
        fault: 'worker SIGKILL inside a local activity (probe)',
        injected: 1,
        runsCompleted: [result.completed ? 1 : 0, 1],
        outputsValid: [result.whole ? 1 : 0, 1],
        outcome: `run completed ${recoveredSeconds.toFixed(1)} s after the kill (the workflow task's 10-s timeout, then the probe again)`,
      });
      expect(result.problems).toEqual([]);
      expect(result.completed).toBe(true);
    } finally {
      await fs.rm(gate, { force: true });
      await cluster.kill('worker', 'SIGTERM');
      cluster.startWorker();
    }
  }, 600_000);

  it('finishes a run through a restart of the Temporal server on the same database file', async () => {
    const runId = await client.start(short.id, LADDER);
    const { staging } = runFolders(cluster.dataDir, short.id, runId);
    await encodedPast(staging, '180p', 8);
    await cluster.kill('temporal', 'SIGKILL');
    await cluster.startTemporal();
    const result = await completeAndCheck(short, runId);
    report.add({
      fault: 'Temporal server SIGKILL + restart mid-run',
      injected: 1,
      runsCompleted: [result.completed ? 1 : 0, 1],
      outputsValid: [result.whole ? 1 : 0, 1],
      outcome: result.completed ? 'run completed on the same database file' : `run ended ${result.done.status}`,
    });
    expect(result.problems).toEqual([]);
    expect(result.completed).toBe(true);
  }, 600_000);

  it('completes a batch through a worker SIGKILL and a Temporal server restart: every video once, none twice, none skipped', async () => {
    const ids = Array.from({ length: BATCH_VIDEOS }, (_, index) => `batch-${index}`);
    const file = await makeClip(path.join(cluster.dataDir, 'clips', 'batch.mp4'), {
      seconds: BATCH_CLIP_SECONDS,
      width: 320,
      height: 180,
      fps: FPS,
    });
    const source = { seconds: BATCH_CLIP_SECONDS, frames: await videoFrames(file) };
    for (const id of ids) await client.upload(id, file);
    const withDiagnostics = (error: unknown): never => {
      throw new Error(`${String(error)}\n${cluster.diagnostics()}`);
    };
    const { catalog, close } = await openTestCatalog(cluster.dataDir);
    try {
      const batchId = await client.startBatch({
        select: { ids },
        concurrency: BATCH_CONCURRENCY,
        renditions: LADDER.renditions,
      });
      const startedAt = Date.now();

      // The worker SIGKILLed while a run the batch started is inside a step (an ffmpeg of it at work), then restarted.
      const killedIn = await eventually(async () => (await videosAtWork(cluster.dataDir, ids))[0], 60_000).catch(
        withDiagnostics,
      );
      await cluster.kill('worker', 'SIGKILL');
      cluster.startWorker();

      // The server SIGKILLed and restarted on its database file while the batch, as it answers itself, has runs open
      // (one of them at work) and videos still to start; once the runs the kill hit are done, so it hits others.
      const atRestart = await eventually(async () => {
        const batch = await client.batch(batchId);
        if (!batch || batch.stale || batch.counts.completed < BATCH_CONCURRENCY) return undefined;
        if (batch.counts.running === 0 || batch.counts.pending === 0) return undefined;
        return (await videosAtWork(cluster.dataDir, ids)).length > 0 ? batch.counts : undefined;
      }, 120_000).catch(withDiagnostics);
      await cluster.kill('temporal', 'SIGKILL');
      await cluster.startTemporal();
      const restartedAt = Date.now();

      const done = await eventually(async () => {
        const batch = await client.batch(batchId);
        return batch && batch.finished_at !== null ? batch : undefined;
      }, 300_000).catch(withDiagnostics);
      const endedAt = Date.now();

      // The catalog's account: each video's runs started since the batch did, and the batch's items by outcome.
      const runs = await Promise.all(
        ids.map(async (id) =>
          (await catalog.listRuns(id, { limit: 100 })).items.filter((run) => run.created_at >= done.created_at),
        ),
      );
      const runsByVideo = Object.fromEntries(
        ids.map((id, index) => [id, (runs[index] ?? []).map((run) => run.status)]),
      );
      const items: Record<BatchOutcome, BatchItemRow[]> = { completed: [], failed: [], skipped: [], cancelled: [] };
      for (const outcome of Object.keys(items) as BatchOutcome[]) {
        items[outcome] = (
          await catalog.batches().listItems(batchId, outcome, { limit: 100, afterVideoId: null })
        ).items;
      }
      const outputs = await Promise.all(
        ids.map(async (id, index) => {
          const runId = runs[index]?.find((run) => run.status === 'completed')?.run_id;
          if (runId === undefined) return { id, whole: false, problems: ['no completed run'] };
          const check = await outputsAreWhole(
            runFolders(cluster.dataDir, id, runId).published,
            RENDITIONS,
            source,
            HLS_SEGMENT_SECONDS,
          );
          return { id, ...check };
        }),
      );
      // Where the kill landed: the steps of that video's run that needed another attempt.
      const retried = ((await client.progress(killedIn))?.subtasks ?? [])
        .filter((step) => step.attempt > 1)
        .map((step) => step.name);

      const completedRuns = runs.filter((list) => list.some((run) => run.status === 'completed')).length;
      const whole = outputs.filter((output) => output.whole).length;
      const { counts } = done;
      report.add(
        {
          fault: 'batch: worker SIGKILL + Temporal restart',
          injected: 2,
          runsCompleted: [completedRuns, BATCH_VIDEOS],
          outputsValid: [whole, BATCH_VIDEOS],
          outcome:
            `batch ${done.status}: ${counts.completed} completed, ${counts.failed} failed, ${counts.skipped} skipped of ` +
            `${counts.total}; ${items.completed.length} items completed; the worker killed inside ${killedIn} ` +
            `(retried: ${retried.join(', ') || 'none'}), the server restarted with ${atRestart.running} open and ` +
            `${atRestart.pending} waiting; the batch ended ${round((endedAt - restartedAt) / 1000)} s after the restart, ` +
            `${round((endedAt - startedAt) / 1000)} s after its start`,
        },
        { batchId, killedIn, retried, atRestart, counts, runsByVideo, outputs },
      );

      expect(done.status).toBe('completed');
      expect(counts).toMatchObject({
        total: BATCH_VIDEOS,
        selected: BATCH_VIDEOS,
        completed: BATCH_VIDEOS,
        failed: 0,
        skipped: 0,
        cancelled: 0,
        running: 0,
        pending: 0,
      });
      // No video processed twice (nor started twice), none left out: one run each since the batch started, completed.
      expect(runsByVideo).toEqual(Object.fromEntries(ids.map((id) => [id, ['completed']])));
      // One item per video, naming that run; no other outcome.
      expect(items.completed.map((item) => [item.video_id, item.run_id])).toEqual(
        ids.map((id, index) => [id, runs[index]?.[0]?.run_id]),
      );
      expect({ failed: items.failed, skipped: items.skipped, cancelled: items.cancelled }).toEqual({
        failed: [],
        skipped: [],
        cancelled: [],
      });
      expect(outputs.filter((output) => !output.whole)).toEqual([]);
    } finally {
      await close();
    }
  }, 600_000);

  it('answers 503 within the deadline while Temporal is down, and recovers without a restart', async () => {
    const route = `/api/v1/videos/${long.id}/reprocess`;
    const pollers = [1, 2, 3].map(() => poll(() => client.request(route), 200));
    const readiness = poll(() => client.request('/readyz'), 200);
    await sleep(1_000);

    await cluster.kill('temporal', 'SIGTERM');
    const downSince = Date.now();
    await sleep(8_000);
    const downUntil = Date.now();
    await cluster.startTemporal();
    const recovered = await eventually(async () => {
      const [ready, progress] = [await client.request('/readyz'), await client.request(route)];
      return ready.status === 200 && progress.status === 200 ? Date.now() : undefined;
    }, 60_000);

    const answers = (await Promise.all(pollers.map((poller) => poller.stop()))).flat();
    const ready = await readiness.stop();
    // Answers to requests made while the server was down (and not in flight when it went).
    // A request made just before the restart can be answered once the server is back: only answers that came back
    // while it was down count.
    const during = (list: Answer[]) =>
      list.filter((answer) => answer.at > downSince + 500 && answer.at + answer.ms < downUntil);
    const down = during(answers);
    const readyDown = during(ready);
    const maxAnswerMs = Math.max(...down.map((answer) => answer.ms), ...readyDown.map((answer) => answer.ms));
    const codes = new Set(down.map((answer) => `${answer.status} ${errorCode(answer.body)}`));
    report.add(
      {
        fault: 'Temporal stopped while clients poll',
        injected: 1,
        maxAnswerMs,
        outcome: `${down.length} GETs → ${[...codes].join(', ')}; /readyz → ${[...new Set(readyDown.map((a) => a.status))].join(', ')}; back ${Math.round((recovered - downUntil) / 100) / 10} s after restart, no API restart`,
      },
      { down: down.length, codes: [...codes], maxAnswerMs },
    );
    // Three clients, each waiting out a 2-s answer before asking again: a handful of answers each.
    expect(down.length).toBeGreaterThanOrEqual(6);
    expect([...codes]).toEqual(['503 ORCHESTRATOR_UNAVAILABLE']);
    expect(new Set(readyDown.map((answer) => answer.status))).toEqual(new Set([503]));
    expect(maxAnswerMs).toBeLessThanOrEqual(ANSWER_DEADLINE_MS + SLACK_MS);
  }, 300_000);

  it('answers stale: true within the deadline while the worker is stopped, and the run finishes once it is back', async () => {
    const runId = await client.start(short.id, LADDER);
    const { staging } = runFolders(cluster.dataDir, short.id, runId);
    await encodedPast(staging, '180p', 4);
    await cluster.kill('worker', 'SIGKILL');
    const answers: Answer[] = [];
    for (let i = 0; i < 6; i += 1) answers.push(await client.request(`/api/v1/videos/${short.id}/reprocess`));
    cluster.startWorker();
    const result = await completeAndCheck(short, runId);

    const stale = answers.filter((answer) => (answer.body as { stale?: boolean }).stale === true);
    const maxAnswerMs = Math.max(...answers.map((answer) => answer.ms));
    report.add({
      fault: 'worker stopped while clients poll',
      injected: 1,
      runsCompleted: [result.completed ? 1 : 0, 1],
      outputsValid: [result.whole ? 1 : 0, 1],
      maxAnswerMs,
      outcome: `${stale.length}/${answers.length} answers 200 stale: true (the first may still be live); run completed once the worker was back`,
    });
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(stale.length).toBeGreaterThanOrEqual(answers.length - 1);
    expect(maxAnswerMs).toBeLessThanOrEqual(ANSWER_DEADLINE_MS + SLACK_MS);
    expect(result.problems).toEqual([]);
  }, 600_000);

  it('accepts exactly one of 100 concurrent starts for one video while the worker is busy', async () => {
    // The worker busy with the long clip; the burst on the 60-s one, whose run outlasts every answer to the burst.
    const busy = await client.start(long.id, LADDER);
    await eventually(async () => ((await client.progress(long.id))?.status === 'running' ? true : undefined), 60_000);
    const answers = await Promise.all(
      Array.from({ length: 100 }, () =>
        client.request(`/api/v1/videos/${short.id}/run_sync`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(LADDER),
        }),
      ),
    );
    const accepted = answers.filter((answer) => answer.status === 202);
    const acceptedRun = (accepted[0]?.body as { run_id?: string } | undefined)?.run_id;
    const refused = answers.filter(
      (answer) => answer.status === 409 && errorCode(answer.body) === 'TASK_ALREADY_RUNNING',
    );
    const refusedRuns = new Set(
      refused.map((answer) => (answer.body as { error: { details: { run_id: string } } }).error.details.run_id),
    );
    const others = answers
      .filter((answer) => answer.status !== 202 && !refused.includes(answer))
      .map((answer) => `${answer.status} ${errorCode(answer.body)} after ${answer.ms} ms`);
    // Still open once every answer is in: each refusal was made while the accepted run ran.
    const stillOpen = (await client.progress(short.id))?.finished_at === null;
    report.add(
      {
        fault: '100 concurrent POSTs for one id, worker busy',
        injected: 100,
        maxAnswerMs: Math.max(...answers.map((answer) => answer.ms)),
        outcome: `${accepted.length} × 202, ${refused.length} × 409 TASK_ALREADY_RUNNING naming ${refusedRuns.size === 1 && refusedRuns.has(acceptedRun ?? '') ? 'the accepted run' : `${refusedRuns.size} runs`}${others.length > 0 ? `, others: ${others.join('; ')}` : ''}`,
      },
      { accepted, refusedRuns: [...refusedRuns], others },
    );
    expect(stillOpen).toBe(true);
    expect(others).toEqual([]);
    expect(accepted).toHaveLength(1);
    expect(refused).toHaveLength(99);
    expect([...refusedRuns]).toEqual([acceptedRun]);

    // Both cancelled: they end `cancelled`, and the outputs published before stay served.
    for (const video of [short, long]) {
      expect((await client.request(`/api/v1/videos/${video.id}/reprocess`, { method: 'DELETE' })).status).toBe(202);
    }
    for (const [video, runId] of [
      [short, acceptedRun ?? ''],
      [long, busy],
    ] as const) {
      expect((await client.finished(video.id, runId)).status).toBe('cancelled');
      expect((await client.request(`/media/${video.id}/current/master.m3u8`)).status).toBe(200);
    }
  }, 600_000);
});

/** What polling clients saw of one run: did the overall or the transcode percentage ever go down? */
function progressSeen(answers: Answer[], runId: string) {
  const seen = answers
    .filter((answer) => answer.status === 200 && (answer.body as Progress).run_id === runId)
    .map((answer) => answer.body as Progress);
  let progressWentBack = false;
  let sawRetrying = false;
  let transcodeAttempts = 0;
  for (let i = 1; i < seen.length; i += 1) {
    const [before, after] = [seen[i - 1], seen[i]];
    const step = (p: Progress | undefined) => p?.subtasks.find((s) => s.name === 'transcode');
    if ((after?.progress ?? 0) < (before?.progress ?? 0)) progressWentBack = true;
    if ((step(after)?.progress ?? 0) < (step(before)?.progress ?? 0)) progressWentBack = true;
  }
  for (const answer of seen) {
    const transcode = answer.subtasks.find((s) => s.name === 'transcode');
    // `retrying` lasts only until the resumed attempt reports its start, usually past what the old one had shown.
    if (transcode?.status === 'retrying') sawRetrying = true;
    transcodeAttempts = Math.max(transcodeAttempts, transcode?.attempt ?? 0);
  }
  return { answersSeen: seen.length, progressWentBack, sawRetrying, transcodeAttempts };
}

function errorCode(body: unknown): string {
  return (body as { error?: { code?: string } } | undefined)?.error?.code ?? '';
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
