import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import { HLS_SEGMENT_SECONDS } from '../../src/media/ladder';
import { MEDIA_STEPS } from '../../src/progress';
import { dropDatabases, pickFreePorts, prepareDatabases, TemporalCluster } from '../../scripts/lib/cluster';
import { findTemporalServer } from '../../scripts/lib/temporal-server';
import { FaultReport } from '../chaos/report';
import { Client, outputsAreWhole, runFolders, sleep, type Progress } from '../chaos/service';
import { eventually } from '../helpers/gate';
import { makeClip, makeDataDir, videoFrames } from '../helpers/media';
import { Deployment } from './deployment';
import { createTestDatabase, POSTGRES_ADMIN_URL, type TestDatabase } from '../helpers/databases';
import { sample } from '../helpers/prometheus';
import { readEvents, sum } from './observe';

const RENDITIONS = ['180p', '144p'];
const LADDER = { renditions: [180, 144] };
const MEDIA = new Set<string>(MEDIA_STEPS);

interface Clip {
  file: string;
  seconds: number;
  frames: number;
}

/**
 * The scale-out deployment, for real: a multi-service Temporal server on PostgreSQL, the catalog on PostgreSQL, two
 * APIs and three workers on one shared DATA_DIR, each its own process. Every scenario asserts outcomes; the table it
 * ends with (also reports/scale.json) says what was seen.
 */
describe('reprocess scaled out', () => {
  const report = new FaultReport('scale.json', 'scenario');
  const suffix = randomUUID().slice(0, 8);
  const databases = { main: `scale_temporal_${suffix}`, visibility: `scale_visibility_${suffix}` };
  const clusterDir = path.join(os.tmpdir(), `reprocess-scale-${suffix}`);
  let catalog: TestDatabase;
  let cluster: TemporalCluster;
  let deployment: Deployment;
  let temporal: TemporalClient;
  let dataDir: string;
  let cleanup: () => Promise<void>;
  let apis: Client[];
  let short: Clip;
  let medium: Clip;
  let long: Clip;

  beforeAll(async () => {
    const binaries = findTemporalServer();
    if (!binaries) throw new Error('No Temporal server: run `npm run test:scale`, which builds it once');
    ({ dataDir, cleanup } = await makeDataDir());
    const clip = async (name: string, seconds: number, width: number, height: number): Promise<Clip> => {
      const file = await makeClip(path.join(dataDir, 'clips', `${name}.mp4`), { seconds, width, height, fps: 24 });
      return { file, seconds, frames: await videoFrames(file) };
    };
    short = await clip('short', 4, 320, 180);
    medium = await clip('medium', 90, 320, 180);
    long = await clip('long', 240, 640, 360);
    await prepareDatabases(binaries, { postgresUrl: POSTGRES_ADMIN_URL, databases });
    cluster = await TemporalCluster.start(binaries, {
      dir: clusterDir,
      ports: await pickFreePorts(),
      postgresUrl: POSTGRES_ADMIN_URL,
      databases,
      log: () => undefined,
    });
    catalog = await createTestDatabase('postgres');
    deployment = await Deployment.start({
      dataDir,
      temporalAddress: cluster.address,
      databaseUrl: catalog.databaseUrl!,
      taskQueue: 'scale',
      apis: 2,
      workers: 3,
      mediaSlots: 1,
    });
    apis = deployment.apiNames.map((name) => new Client({ baseUrl: deployment.baseUrl(name) }));
    temporal = new TemporalClient({ connection: await Connection.connect({ address: cluster.address }) });
  }, 600_000);

  afterAll(async () => {
    const perWorker = await mediaStepsDone().catch(() => null);
    if (perWorker) {
      const rows = Object.entries(perWorker).map(([worker, done]) => `${worker} ${done}`);
      report.add(
        {
          fault: 'media steps completed per worker (its /metrics, since its last start)',
          injected: 0,
          outcome: rows.join(', '),
        },
        perWorker,
      );
    }
    await temporal?.connection.close();
    await deployment?.stop();
    await cluster?.stop();
    await dropDatabases({ postgresUrl: POSTGRES_ADMIN_URL, databases }).catch(() => undefined);
    await catalog?.drop().catch(() => undefined);
    await fs.rm(clusterDir, { recursive: true, force: true });
    await cleanup?.();
    const written = await report.write();
    process.stdout.write(`\nScale report (${written}):\n${report.table()}\n\n`);
  }, 120_000);

  const api = (i: number) => apis[i % apis.length]!;

  /** The latest run of every video started so far: after an API dies, the other must answer for each of them. */
  const started = new Map<string, string>();

  async function upload(videoId: string, clip: Clip, through = 0): Promise<void> {
    await api(through).upload(videoId, clip.file);
  }

  async function start(videoId: string, body: Record<string, unknown>, through = 0): Promise<string> {
    const runId = await api(through).start(videoId, body);
    started.set(videoId, runId);
    return runId;
  }

  /** Media steps each worker has completed, from its /metrics (counters restart with the process). */
  async function mediaStepsDone(): Promise<Record<string, number>> {
    const done: Record<string, number> = {};
    for (const worker of deployment.workerNames) {
      const page = await deployment.metrics(worker);
      done[worker] = sum(
        MEDIA_STEPS.map(
          (step) =>
            sample(page, 'reprocess_step_attempts_total', `{step="${step}",outcome="completed",failure_type=""}`) ?? 0,
        ),
      );
    }
    return done;
  }

  async function finished(videoId: string, runId: string, through = 0, timeoutMs = 300_000): Promise<Progress> {
    return api(through)
      .finished(videoId, runId, timeoutMs)
      .catch((error: unknown) => {
        throw new Error(`${String(error)}\n${deployment.diagnostics()}`);
      });
  }

  async function outputsValid(videoId: string, runId: string, clip: Clip) {
    return outputsAreWhole(runFolders(dataDir, videoId, runId).published, RENDITIONS, clip, HLS_SEGMENT_SECONDS);
  }

  /** Free media-queue activity slots over every worker, as the SDK itself counts them. */
  async function freeMediaSlots(): Promise<number> {
    let free = 0;
    for (const worker of deployment.workerNames) {
      const line = (await deployment.metrics(worker))
        .split('\n')
        .find(
          (text) =>
            text.startsWith('temporal_worker_task_slots_available{') &&
            text.includes('worker_type="ActivityWorker"') &&
            text.includes('task_queue="scale-media"'),
        );
      free += Number(line?.split(' ').at(-1) ?? NaN);
    }
    return free;
  }

  /** Which worker started each attempt of each step of a run, from its history. */
  async function workersByStep(
    videoId: string,
    runId: string,
  ): Promise<{ step: string; worker: string | null; attempt: number }[]> {
    const history = await temporal.workflow.getHandle(videoId, runId).fetchHistory();
    const typeOf = new Map<string, string>();
    const started: { step: string; worker: string | null; attempt: number }[] = [];
    for (const event of history.events ?? []) {
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) typeOf.set(String(event.eventId), scheduled.activityType?.name ?? '?');
      const start = event.activityTaskStartedEventAttributes;
      if (start) {
        const step = typeOf.get(String(start.scheduledEventId)) ?? '?';
        // One started event per step: the attempt that ended it (a retried attempt leaves none of its own).
        started.push({ step, worker: deployment.workerOf(start.identity), attempt: start.attempt ?? 1 });
      }
    }
    return started;
  }

  it('completes 6 videos started at once through both APIs, their media steps spread over the workers', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `batch-${i + 1}`);
    for (const [i, id] of ids.entries()) await upload(id, short, i);
    const metricsBefore = await mediaStepsDone();
    const runs = await Promise.all(ids.map((id, i) => start(id, LADDER, i)));
    const done = await Promise.all(ids.map((id, i) => finished(id, runs[i]!, i + 1)));
    const metricsAfter = await mediaStepsDone();
    const byMetrics = Object.keys(metricsAfter).filter((w) => metricsAfter[w]! > (metricsBefore[w] ?? 0));
    const valid = await Promise.all(ids.map((id, i) => outputsValid(id, runs[i]!, short)));
    const mediaWorkers = new Set<string>();
    for (const [i, id] of ids.entries()) {
      for (const { step, worker } of await workersByStep(id, runs[i]!)) {
        if (MEDIA.has(step) && worker) mediaWorkers.add(worker);
      }
    }
    report.add({
      fault: '6 videos started at once through 2 APIs',
      injected: 6,
      runsCompleted: [done.filter((d) => d.status === 'completed').length, 6],
      outputsValid: [valid.filter((v) => v.whole).length, 6],
      outcome:
        `media steps ran on ${mediaWorkers.size} of 3 workers by the histories (${[...mediaWorkers].sort().join(', ')}), ` +
        `on ${byMetrics.length} by their /metrics`,
    });
    expect(done.map((d) => d.status)).toEqual(ids.map(() => 'completed'));
    expect(valid.flatMap((v) => v.problems)).toEqual([]);
    expect(mediaWorkers.size).toBeGreaterThanOrEqual(2);
    expect(byMetrics.sort()).toEqual([...mediaWorkers].sort());
  });

  it('accepts exactly one of 20 concurrent starts for one video split across the 2 APIs', async () => {
    await upload('contended', short);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api(i).request('/api/v1/videos/contended/run_sync', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(LADDER),
        }),
      ),
    );
    const accepted = answers.filter((a) => a.status === 202);
    const refused = answers.filter((a) => a.status === 409);
    const runId = (accepted[0]?.body as { run_id?: string } | undefined)?.run_id;
    const naming = refused.filter((a) => JSON.stringify(a.body).includes(runId ?? 'none'));
    report.add({
      fault: '20 concurrent POSTs for one video over 2 APIs',
      injected: 20,
      maxAnswerMs: Math.max(...answers.map((a) => a.ms)),
      outcome: `${accepted.length} × 202, ${refused.length} × 409 (${naming.length} naming the accepted run)`,
    });
    expect(accepted).toHaveLength(1);
    expect(refused).toHaveLength(19);
    expect(naming).toHaveLength(19);
    expect(refused.every((a) => (a.body as { error?: { code?: string } }).error?.code === 'TASK_ALREADY_RUNNING')).toBe(
      true,
    );
    started.set('contended', runId!);
    await finished('contended', runId!);
  });

  it('transcodes one video across the workers, and completes it on another when one running a chunk is SIGKILLed', async () => {
    await upload('killed', long);
    const runId = await start('killed', { ...LADDER, steps: ['transcode'] });
    const handle = temporal.workflow.getHandle('killed', runId);
    // Its chunks encode side by side on several workers; one of those is the victim, once the transcode is under way.
    const encoders = await eventually(async () => {
      const { raw } = await handle.describe();
      const chunks = (raw.pendingActivities ?? []).filter((a) => a.activityType?.name === 'transcodeChunk');
      const workers = new Set(chunks.map((a) => deployment.workerOf(a.lastWorkerIdentity ?? '')).filter(Boolean));
      const progress = await api(1).progress('killed');
      const fraction = progress?.subtasks.find((s) => s.name === 'transcode')?.progress ?? 0;
      return workers.size >= 2 && fraction >= 10 ? [...workers] : undefined;
    }, 120_000);
    const victim = encoders[0];
    await deployment.kill(victim!, 'SIGKILL');
    const done = await finished('killed', runId);
    await deployment.start(victim!);
    const valid = await outputsValid('killed', runId, long);
    const chunks = (await workersByStep('killed', runId)).filter((s) => s.step === 'transcodeChunk');
    // The chunk the kill interrupted: its last attempt is a retry, on a worker still alive.
    const retried = chunks.find((chunk) => chunk.attempt >= 2);
    const finisher = retried?.worker;
    const chunkWorkers = new Set([...encoders, ...chunks.map((chunk) => chunk.worker)]);
    report.add({
      fault: 'SIGKILL of a worker running a transcode chunk',
      injected: 1,
      runsCompleted: [done.status === 'completed' ? 1 : 0, 1],
      outputsValid: [valid.whole ? 1 : 0, 1],
      outcome:
        `${chunks.length} chunks on ${chunkWorkers.size} workers; killed ${victim}; its chunk finished on attempt ` +
        `${retried?.attempt ?? '?'} on ${finisher ?? '?'}`,
    });
    expect(done.status).toBe('completed');
    expect(valid.problems).toEqual([]);
    expect(chunks.length).toBeGreaterThan(1);
    expect(encoders.length).toBeGreaterThanOrEqual(2);
    expect(deployment.workerNames).toContain(finisher);
    expect(finisher).not.toBe(victim);
  });

  it('answers every run from the other API when one is SIGKILLed, and its event stream resumes there', async () => {
    await upload('followed', medium);
    const [first, second] = deployment.apiNames as [string, string];
    // Two runs through the API about to die: one followed, one only polled.
    await upload('bystander', medium);
    const runId = await start('followed', LADDER);
    await start('bystander', LADDER);
    const before = await readEvents(`${deployment.baseUrl(first)}/api/v1/videos/followed/reprocess/events`, {
      until: (events) => events.filter((e) => e.event === 'progress').length >= 3,
    });
    await deployment.kill(first, 'SIGKILL');
    const lastSeen = before.at(-1)!.id!;
    const after = await readEvents(`${deployment.baseUrl(second)}/api/v1/videos/followed/reprocess/events`, {
      lastEventId: lastSeen,
      until: (events) => events.some((e) => e.event === 'end'),
    });
    const everyRun = await Promise.all(
      [...started].map(async ([id, run]) => ({ run, answer: await api(1).progress(id) })),
    );
    const answered = everyRun.filter(({ run, answer }) => answer?.run_id === run && !answer.stale);
    await deployment.start(first);
    const done = await finished('followed', runId, 1);
    // The `end` event repeats the last progress event's id (it is the run's final seq): progress events are counted.
    const ids = [...before, ...after]
      .filter((e) => e.event === 'progress')
      .map((e) => e.id)
      .filter((id): id is number => id !== null);
    const final = after.at(-1)!;
    report.add({
      fault: 'SIGKILL of one API while a client follows a run',
      injected: 1,
      runsCompleted: [done.status === 'completed' ? 1 : 0, 1],
      outcome:
        `${answered.length}/${everyRun.length} runs answered live by ${second}; stream resumed ` +
        `there after id ` +
        `${lastSeen} at ${after[0]?.id ?? '?'}, ended at ${final.id} (the run's seq now ${done.seq}); ${ids.length} progress ` +
        `events, ${ids.length - new Set(ids).size} repeated`,
    });
    expect(answered).toHaveLength(everyRun.length);
    expect(everyRun.length).toBeGreaterThanOrEqual(2);
    expect(after[0]!.id!).toBeGreaterThan(lastSeen);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    // The stream ends at the first state it saw completed; the run's bookkeeping after that (its records) may bump
    // the seq further, which no stream needs.
    expect(final).toMatchObject({ event: 'end', id: ids.at(-1) });
    expect(done.seq).toBeGreaterThanOrEqual(final.id!);
    expect(after.filter((e) => e.event === 'progress').at(-1)?.data).toMatchObject({ status: 'completed' });
  });

  it('completes every run when the Temporal server processes are restarted mid-run', async () => {
    const ids = ['restart-1', 'restart-2'];
    for (const [i, id] of ids.entries()) await upload(id, medium, i);
    const runs = await Promise.all(ids.map((id, i) => start(id, LADDER, i)));
    await eventually(async () => {
      const progress = await Promise.all(ids.map((id) => api(0).progress(id)));
      return progress.every((p) => (p?.progress ?? 0) >= 10) ? true : undefined;
    }, 120_000);
    const openBefore = await Promise.all(ids.map((id) => api(0).progress(id)));
    const pidsBefore = cluster.pids();
    const restartedAt = new Date();
    await cluster.stopServices();
    await sleep(2_000);
    await cluster.startServices();
    const done = await Promise.all(ids.map((id, i) => finished(id, runs[i]!, i)));
    const valid = await Promise.all(ids.map((id, i) => outputsValid(id, runs[i]!, medium)));
    report.add({
      fault: 'Temporal server processes (4 services) restarted mid-run',
      injected: Object.keys(pidsBefore).length,
      runsCompleted: [done.filter((d) => d.status === 'completed').length, ids.length],
      outputsValid: [valid.filter((v) => v.whole).length, ids.length],
      outcome: 'runs went on from the PostgreSQL persistence',
    });
    expect(Object.keys(pidsBefore)).toHaveLength(4);
    expect(openBefore.map((p) => p?.status)).toEqual(['running', 'running']);
    expect(done.every((d) => new Date(d.finished_at!) > restartedAt)).toBe(true);
    expect(done.map((d) => d.status)).toEqual(['completed', 'completed']);
    expect(valid.flatMap((v) => v.problems)).toEqual([]);
  });

  it("probes a new video while every media slot is busy with other videos' long transcodes", async () => {
    const heavy = deployment.workerNames.map((_, i) => `heavy-${i + 1}`);
    for (const [i, id] of heavy.entries()) await upload(id, long, i);
    await upload('light', short);
    await Promise.all(heavy.map((id, i) => start(id, { steps: ['transcode'] }, i)));
    const slotsInUse = async () =>
      sum(
        await Promise.all(
          deployment.workerNames.map(
            async (w) => sample(await deployment.metrics(w), 'reprocess_media_slots_in_use') ?? 0,
          ),
        ),
      );
    await eventually(async () => ((await slotsInUse()) === deployment.workerNames.length ? true : undefined), 120_000);
    const lightRun = await start('light', LADDER, 1);
    const probed = await eventually(async () => {
      const progress = await api(0).progress('light');
      return progress?.subtasks.find((s) => s.name === 'probe')?.status === 'completed' ? progress : undefined;
    }, 120_000);
    const busyAfterProbe = await slotsInUse();
    const sdkFreeMediaSlots = await freeMediaSlots();
    const heavyStates = await Promise.all(heavy.map((id) => api(0).progress(id)));
    const history = await temporal.workflow.getHandle('light', lightRun).fetchHistory();
    const waitedMs = probeWaitMs(history.events ?? []);
    const lightMedia = probed.subtasks.filter((s) => MEDIA.has(s.name)).map((s) => s.progress);
    await Promise.all(heavy.map((id, i) => api(i).request(`/api/v1/videos/${id}/reprocess`, { method: 'DELETE' })));
    const done = await finished('light', lightRun);
    report.add({
      fault: 'light behind heavy: a probe while every media slot is busy',
      injected: heavy.length,
      runsCompleted: [done.status === 'completed' ? 1 : 0, 1],
      outcome:
        `probe waited ${waitedMs} ms for a worker (run start → its first workflow task, where the probe runs) with ${busyAfterProbe}/` +
        `${deployment.workerNames.length} media slots busy; its own media steps were then at ` +
        `${lightMedia.map((p) => `${p} %`).join(', ')}`,
    });
    expect(Number.isFinite(waitedMs) && waitedMs >= 0).toBe(true);
    expect(busyAfterProbe).toBe(deployment.workerNames.length);
    expect(sdkFreeMediaSlots).toBe(0);
    expect(heavyStates.every((p) => p?.status === 'running')).toBe(true);
    expect(lightMedia.every((progress) => progress < 100)).toBe(true);
    expect(done.status).toBe('completed');
  });
});

/**
 * How long the run waited for a worker to begin its probe. The probe is a local activity: it runs inside the run's
 * first workflow task, so the wait is from the run's start to that task's start.
 */
function probeWaitMs(
  events: {
    eventTime?: unknown;
    workflowExecutionStartedEventAttributes?: unknown;
    workflowTaskStartedEventAttributes?: unknown;
  }[],
): number {
  const millis = (time: unknown) => {
    const t = time as { seconds?: { toNumber?: () => number } | number; nanos?: number } | undefined;
    const seconds = typeof t?.seconds === 'number' ? t.seconds : (t?.seconds?.toNumber?.() ?? NaN);
    return seconds * 1000 + (t?.nanos ?? 0) / 1e6;
  };
  const started = events.find((e) => e.workflowExecutionStartedEventAttributes);
  const firstTask = events.find((e) => e.workflowTaskStartedEventAttributes);
  return Math.round(millis(firstTask?.eventTime) - millis(started?.eventTime));
}
