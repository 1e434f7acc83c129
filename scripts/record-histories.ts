// Records the histories the replay test checks the workflow code against: real runs on a real dev server with the
// real activities and ffmpeg. Run it after a change that is meant to alter the workflow's commands:
//   npx tsx scripts/record-histories.ts
// and say in the commit why the recorded histories changed (old runs in flight would need patching).
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../src/activities';
import { openCatalog } from '../src/store';
import { HEARTBEAT_THROTTLE, signalThrough } from '../src/worker';
import { REPROCESS_WORKFLOW_TYPE, progressQuery } from '../src/workflows/definitions';
import { makeClip } from './lib/clips';
import { startScratchDevServer } from './lib/dev-server';
import { findTemporalCli } from './lib/temporal-cli';

const REPO_ROOT = path.resolve(__dirname, '..');
const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'histories');

async function run(): Promise<void> {
  const env = await startScratchDevServer();
  // The same CLI the dev server came from exports the histories.
  const cli = findTemporalCli()!;
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'reprocess-histories-'));
  try {
    for (const id of ['success', 'retry', 'cancelled']) {
      const file = path.join(dataDir, 'media', id, 'source.mp4');
      // 36 s: nine segments, a ladder of two chunks (the transcode's parts and their assembly are recorded).
      await makeClip(file, { seconds: id === 'cancelled' ? 120 : 36, width: 640, height: 360 });
    }
    const { catalog } = await openCatalog({ databaseUrl: null, dataDir, migrate: true });
    const real = createActivities({
      catalog,
      dataDir,
      ffmpegPath: 'ffmpeg',
      ffprobePath: 'ffprobe',
      probeTimeoutMs: 60_000,
      signalProgress: signalThrough(env.client),
      transcodeParallelism: 1,
    });
    let failedOnce = false;
    const activities = {
      ...real,
      // The "retry" run's first attempt at a chunk fails the way a transient fault does; the second succeeds.
      transcodeChunk: async (input: Parameters<typeof real.transcodeChunk>[0]) => {
        if (input.videoId === 'retry' && !failedOnce) {
          failedOnce = true;
          throw new Error('simulated transient fault');
        }
        return real.transcodeChunk(input);
      },
    };
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'record',
      workflowsPath: require.resolve('../src/workflows'),
      activities,
      ...HEARTBEAT_THROTTLE,
    });
    // The media steps on their own queue, as the API starts runs.
    const mediaWorker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'record-media',
      activities,
      // As the real worker: heartbeats (and so cancellations) reach the media steps within 2 s.
      ...HEARTBEAT_THROTTLE,
    });
    const recording = worker.runUntil(async () => {
      const start = (videoId: string) =>
        env.client.workflow.start(REPROCESS_WORKFLOW_TYPE, {
          workflowId: videoId,
          taskQueue: 'record',
          args: [{ videoId, mediaTaskQueue: 'record-media' }],
        });
      const success = await start('success');
      await success.result();
      const retry = await start('retry');
      await retry.result();
      const cancelled = await start('cancelled');
      for (;;) {
        const state = await cancelled.query(progressQuery);
        if ((state.steps.find((step) => step.name === 'transcode')?.fraction ?? 0) > 0.05) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await cancelled.cancel();
      await cancelled.result().catch(() => undefined);
      const closed = (await cancelled.describe()).status.name;
      if (closed !== 'CANCELLED') throw new Error(`the "cancelled" run closed ${closed}: record it again`);
      await fs.mkdir(FIXTURES, { recursive: true });
      for (const handle of [success, retry, cancelled]) {
        // The CLI writes the standard JSON form of a history, the one the Temporal UI downloads and replay reads.
        const json = execFileSync(cli, [
          'workflow',
          'show',
          '--workflow-id',
          handle.workflowId,
          '--address',
          env.address,
          '--output',
          'json',
        ]);
        // Stack traces name this checkout's folder; fixtures are shared, so they name the repository root instead.
        // Identities are pid@hostname of the recording machine; replay ignores them.
        const shareable = json
          .toString()
          .split(REPO_ROOT)
          .join('<repo>')
          .replace(/"identity": "[^"]*"/g, '"identity": "recorder"')
          // Sticky task queue names are built from the same pid@hostname.
          .replace(/"\d+@[^"]*"/g, '"recorder-sticky-queue"');
        await fs.writeFile(path.join(FIXTURES, `${handle.workflowId}.json`), shareable);
        const events = (JSON.parse(shareable) as { events: unknown[] }).events.length;
        console.log(`recorded ${handle.workflowId}: ${events} events`);
      }
    });
    await mediaWorker.runUntil(recording);
  } finally {
    await env.teardown();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

run().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
