import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { runDoctor, worstLevel, type CheckResult } from '../../src/doctor';
import { makeDataDir } from '../helpers/media';
import { freePort } from '../helpers/ports';
import { startDevServer } from '../helpers/temporal';

const find = (results: CheckResult[], name: string) => results.find((result) => result.name === name);

describe('npm run doctor (runDoctor)', () => {
  let env: TestWorkflowEnvironment;
  let dataDir: string;
  let cleanup: () => Promise<void>;
  let healthy: NodeJS.ProcessEnv;

  beforeAll(async () => {
    env = await startDevServer();
    ({ dataDir, cleanup } = await makeDataDir());
    healthy = { DATA_DIR: dataDir, TEMPORAL_ADDRESS: env.address };
  });

  afterAll(async () => {
    await env.teardown();
    await cleanup();
  });

  it('says ok on a healthy setup (pending migrations only warn: they run at start)', async () => {
    const results = await runDoctor(healthy);
    expect(results.filter((result) => result.level === 'fail')).toEqual([]);
    for (const name of [
      'config',
      'binding',
      'ffmpeg',
      'ffprobe',
      'codecs',
      'data dir',
      'temporal',
      'search attributes',
    ]) {
      expect(find(results, name)?.level).toBe('ok');
    }
    expect(find(results, 'catalog')?.level).toBe('warn');
    expect(find(results, 'catalog')?.fix).toContain('npm run migrate');
  });

  it('fails when Temporal cannot be reached, naming it and the fix', async () => {
    const results = await runDoctor({ ...healthy, TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` });
    expect(worstLevel(results)).toBe('fail');
    expect(find(results, 'temporal')?.level).toBe('fail');
    expect(find(results, 'temporal')?.fix).toContain('TEMPORAL_ADDRESS');
  });

  it('fails on a bad API_KEYS, naming the variable', async () => {
    const results = await runDoctor({ ...healthy, API_KEYS: 'short' });
    expect(results.map((result) => [result.name, result.level])).toEqual([['config', 'fail']]);
    expect(results[0]?.message).toContain('API_KEYS');
  });

  it('fails on a DATA_DIR it cannot write', async () => {
    const file = path.join(dataDir, 'not-a-folder');
    await fs.writeFile(file, 'x');
    const results = await runDoctor({ ...healthy, DATA_DIR: path.join(file, 'data') });
    expect(find(results, 'data dir')?.level).toBe('fail');
    expect(find(results, 'data dir')?.fix).toContain('DATA_DIR');
  });

  it('fails when ffmpeg is missing, saying how to get it', async () => {
    const results = await runDoctor({ ...healthy, FFMPEG_PATH: path.join(dataDir, 'no-ffmpeg-here') });
    expect(find(results, 'ffmpeg')?.level).toBe('fail');
    expect(find(results, 'ffmpeg')?.fix).toContain('FFMPEG_PATH');
  });

  it('warns when the API would be open beyond loopback', async () => {
    const results = await runDoctor({ ...healthy, HOST: '0.0.0.0' });
    expect(find(results, 'binding')?.level).toBe('warn');
    expect(find(results, 'binding')?.fix).toContain('API_KEYS');
  });
});
