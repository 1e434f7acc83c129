import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { eventually } from '../helpers/gate';
import { makeDataDir } from '../helpers/media';
import { freePort } from '../helpers/ports';

const root = path.resolve(__dirname, '..', '..');

/** `npm run up` without its setup step (the suite's global setup found the tools), as its own process. */
function startUp(env: Record<string, string>): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'scripts/up.ts'], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', TEMPORAL_CLI: process.env['REPROCESS_TEST_TEMPORAL_CLI'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return Object.assign(child, { output: () => output });
}

/** The pid `up` said it started `name` with, the `nth` time (0 = first). */
function pidOf(output: string, name: string, nth = 0): number | undefined {
  const match = [...output.matchAll(new RegExp(`reprocess: ${name} started \\(pid (\\d+)\\)`, 'g'))][nth];
  return match ? Number(match[1]) : undefined;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm run up', () => {
  it('restarts a process that exits unexpectedly, saying so, and Ctrl-C still stops everything', async () => {
    const { dataDir, cleanup } = await makeDataDir();
    const port = await freePort();
    const up = startUp({
      DATA_DIR: dataDir,
      PORT: String(port),
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      TEMPORAL_UI_PORT: String(await freePort()),
    });
    const started: number[] = [];
    try {
      const healthy = async () => ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok ? true : undefined);
      await eventually(healthy, 90_000);
      for (const name of ['temporal', 'worker', 'api']) started.push(pidOf(up.output(), name)!);
      expect(started.every((pid) => pid > 0)).toBe(true);

      // The API dies as a crash would leave it: the rest stays up, and it comes back on its own.
      process.kill(started[2]!, 'SIGKILL');
      await eventually(() =>
        /api exited unexpectedly \(SIGKILL\); restarting it in 1 s/.test(up.output()) ? true : undefined,
      );
      expect(alive(started[0]!) && alive(started[1]!)).toBe(true);
      expect(up.exitCode).toBeNull();
      const restarted = await eventually(() => pidOf(up.output(), 'api', 1), 30_000);
      started.push(restarted);
      await eventually(healthy, 60_000);
      // The process that answers is the new one: the killed one left nothing behind holding the port.
      expect(alive(started[2]!)).toBe(false);
      expect(alive(restarted)).toBe(true);
      expect(up.output()).not.toMatch(/EADDRINUSE/);

      up.kill('SIGINT');
      const [code] = (await once(up, 'exit')) as [number | null];
      expect(code).toBe(0);
      await eventually(() =>
        started
          .slice(0, 2)
          .concat(restarted)
          .every((pid) => !alive(pid))
          ? true
          : undefined,
      );
    } finally {
      if (up.exitCode === null) up.kill('SIGKILL');
      for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
      await cleanup();
    }
  }, 180_000);

  it('refuses to start the dev server beyond loopback, saying why', async () => {
    const { dataDir, cleanup } = await makeDataDir();
    try {
      const up = startUp({
        DATA_DIR: dataDir,
        PORT: String(await freePort()),
        TEMPORAL_ADDRESS: `0.0.0.0:${await freePort()}`,
      });
      const [code] = (await once(up, 'exit')) as [number | null];
      expect(code).toBe(1);
      expect(up.output()).toMatch(
        /refusing to start the Temporal dev server on 0\.0\.0\.0:\d+: it has no authentication/,
      );
      expect(up.output()).not.toMatch(/temporal started/);
    } finally {
      await cleanup();
    }
  }, 60_000);
});
