import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { createActivities } from '../../src/activities';
import { activitiesFor } from '../helpers/activities';
import { currentLink, runDir, stagingDir, videoDir } from '../../src/media/layout';
import { makeDataDir } from '../helpers/media';

/** publish and discardStaging on a real folder tree. */
describe('publish activity', () => {
  let dataDir: string;
  let cleanup: () => Promise<void>;
  let activities: ReturnType<typeof createActivities>;

  beforeAll(async () => {
    ({ dataDir, cleanup } = await makeDataDir());
    activities = await activitiesFor(dataDir);
  });
  afterAll(() => cleanup());

  const envFor = (runId: string) =>
    new MockActivityEnvironment(
      { workflowExecution: { workflowId: 'vid', runId } },
      { logger: new DefaultLogger('ERROR') },
    );

  async function stage(runId: string): Promise<void> {
    const dir = stagingDir(dataDir, 'vid', runId);
    await fs.mkdir(path.join(dir, '720p'), { recursive: true });
    await fs.writeFile(path.join(dir, 'master.m3u8'), `#EXTM3U\n# ${runId}\n`);
    await fs.writeFile(path.join(dir, '720p', 'segment_0000.ts'), 'x'.repeat(10));
  }

  it('moves staging to runs/<run_id>, switches current, writes the manifest and keeps the last two runs', async () => {
    for (const runId of ['run-1', 'run-2', 'run-3']) {
      await stage(runId);
      const outcome = await envFor(runId).run(activities.publish, { videoId: 'vid', outputs: { note: runId } });
      expect(outcome).toMatchObject({ runId, manifest: 'manifest.json', files: 3 });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await fs.readlink(currentLink(dataDir, 'vid'))).toBe(path.join('runs', 'run-3'));
    expect((await fs.readdir(path.join(videoDir(dataDir, 'vid'), 'runs'))).sort()).toEqual(['run-2', 'run-3']);
    await expect(fs.access(path.join(videoDir(dataDir, 'vid'), 'staging'))).rejects.toThrow();
    const manifest = JSON.parse(await fs.readFile(path.join(currentLink(dataDir, 'vid'), 'manifest.json'), 'utf8')) as {
      run_id: string;
      outputs: unknown;
      files: { path: string; bytes: number }[];
    };
    expect(manifest).toMatchObject({ run_id: 'run-3', outputs: { note: 'run-3' } });
    expect(manifest.files).toEqual([
      { path: path.join('720p', 'segment_0000.ts'), bytes: 10 },
      { path: 'master.m3u8', bytes: Buffer.byteLength('#EXTM3U\n# run-3\n') },
    ]);
  });

  it('is safe to retry after the move', async () => {
    await stage('run-4');
    await envFor('run-4').run(activities.publish, { videoId: 'vid', outputs: {} });
    await envFor('run-4').run(activities.publish, { videoId: 'vid', outputs: {} });
    expect(await fs.readlink(currentLink(dataDir, 'vid'))).toBe(path.join('runs', 'run-4'));
  });

  it('never removes a published run: a late attempt that finds staging again leaves the run as it is', async () => {
    await stage('run-6');
    await envFor('run-6').run(activities.publish, { videoId: 'vid', outputs: {} });
    const published = runDir(dataDir, 'vid', 'run-6');
    const before = (await fs.readdir(published)).sort();
    // What a stalled attempt could meet: the staging folder there again, the run current.
    await fs.mkdir(path.join(stagingDir(dataDir, 'vid', 'run-6'), '720p'), { recursive: true });
    await envFor('run-6').run(activities.publish, { videoId: 'vid', outputs: {} });
    expect((await fs.readdir(published)).sort()).toEqual(before);
    expect(await fs.readFile(path.join(published, 'master.m3u8'), 'utf8')).toContain('run-6');
    expect(await fs.readlink(currentLink(dataDir, 'vid'))).toBe(path.join('runs', 'run-6'));
    await expect(fs.access(stagingDir(dataDir, 'vid', 'run-6'))).rejects.toThrow();
  });

  it("discards a run's staging folder and nothing else", async () => {
    await stage('run-7');
    await envFor('run-7').run(activities.publish, { videoId: 'vid', outputs: {} });
    await stage('run-5');
    await envFor('run-5').run(activities.discardStaging, { videoId: 'vid' });
    await expect(fs.access(stagingDir(dataDir, 'vid', 'run-5'))).rejects.toThrow();
    expect(await fs.readlink(currentLink(dataDir, 'vid'))).toBe(path.join('runs', 'run-7'));
  });
});
