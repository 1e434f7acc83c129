import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import request from 'supertest';
import { TaskProgressResponse } from '../../src/api/models';
import { buildApp } from '../helpers/api';
import { eventually } from '../helpers/gate';
import { addVideo, makeDataDir } from '../helpers/media';
import { stopProcess } from '../helpers/processes';
import { startDevServer } from '../helpers/temporal';

const root = path.resolve(__dirname, '..', '..');

describe('GET /api/v1/videos/:video_id/reprocess when the workflow cannot answer', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await startDevServer();
  });

  afterAll(async () => {
    await env.teardown();
  });

  it('answers queued for a run whose worker froze inside its probe, past the history’s opening events', async () => {
    const worker = await makeDataDir();
    const api = await makeDataDir();
    const taskQueue = `stale-queued-${randomUUID()}`;
    // The worker's ffprobe is the real one behind a gate: while the gate file exists, a probe waits (the worker's
    // start-up check, `-version`, goes through).
    const gate = path.join(worker.dataDir, 'probe-gate');
    const gatedProbe = path.join(worker.dataDir, 'gated-ffprobe');
    await fs.writeFile(
      gatedProbe,
      `#!/bin/sh\ncase "$*" in *-version*) ;; *) while [ -e '${gate}' ]; do sleep 0.1; done ;; esac\nexec ffprobe "$@"\n`,
      {
        mode: 0o755,
      },
    );
    await fs.writeFile(gate, '');
    // `node --import tsx`, so the pid is the worker's own and SIGSTOP freezes the worker itself.
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
      cwd: root,
      env: {
        ...process.env,
        LOG_LEVEL: 'warn',
        DATA_DIR: worker.dataDir,
        TEMPORAL_ADDRESS: env.address,
        TASK_QUEUE: taskQueue,
        FFPROBE_PATH: gatedProbe,
      },
      stdio: 'ignore',
    });
    try {
      for (const dataDir of [worker.dataDir, api.dataDir]) {
        await addVideo(dataDir, 'early', { seconds: 1, width: 160, height: 120 });
      }
      // The API's own catalog has no snapshot of the run, so its answer can only come from Temporal's record.
      const app = (await buildApp(env.client, api.dataDir, taskQueue, { queryTimeoutMs: 1_000 })).callback();
      expect((await request(app).post('/api/v1/videos/early/run_sync')).status).toBe(202);
      const handle = env.client.workflow.getHandle('early');
      // The probe is a local activity: the worker holds the workflow task while it runs, and completes the task every
      // 8 s to keep it (scheduling the record of the run's start), so the history grows past its opening events with no
      // step begun.
      await eventually(async () => ((await handle.describe()).historyLength > 8 ? true : undefined), 40_000);
      process.kill(child.pid!, 'SIGSTOP');

      const answer = TaskProgressResponse.parse((await request(app).get('/api/v1/videos/early/reprocess')).body);
      expect(answer).toMatchObject({ stale: true, status: 'queued', progress: 0 });
      process.kill(child.pid!, 'SIGCONT');
      await handle.terminate('test over');
    } finally {
      if (child.exitCode === null) process.kill(child.pid!, 'SIGCONT');
      await fs.rm(gate, { force: true });
      await stopProcess(child);
      await worker.cleanup();
      await api.cleanup();
    }
  }, 90_000);
});
