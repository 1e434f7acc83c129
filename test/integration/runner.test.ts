import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ToolFailedError, ToolNotFoundError, ToolTimeoutError } from '../../src/media/errors';
import { runTool } from '../../src/media/runner';
import { eventually } from '../helpers/gate';

/** The one process runner, on real processes. */
describe('runTool', () => {
  it('captures stdout and keeps the tail of stderr', async () => {
    const result = await runTool('sh', ['-c', 'echo out; echo err >&2'], { captureStdout: true });
    expect(result).toEqual({ stdout: 'out\n', stderrTail: 'err\n' });
  });

  it('rejects with the exit code and the last stderr line when the tool fails', async () => {
    const failure = await runTool('sh', ['-c', 'echo first >&2; echo "the reason" >&2; exit 3']).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(ToolFailedError);
    expect(failure).toMatchObject({ exitCode: 3, message: 'sh exited with 3: the reason' });
  });

  it('says what to install when the tool is missing', async () => {
    const failure = await runTool('/nonexistent/ffmpeg', []).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ToolNotFoundError);
    expect((failure as Error).message).toMatch(/apt-get install -y ffmpeg/);
  });

  it('kills a tool that runs past its deadline', async () => {
    const failure = await runTool('sleep', ['30'], { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ToolTimeoutError);
  });

  it('kills a tool that stops reporting progress', async () => {
    const failure = await runTool('sh', ['-c', 'echo tick; sleep 30'], { idleTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ToolTimeoutError);
    expect((failure as Error).message).toMatch(/made no progress/);
  });

  it('kills the tool when its signal aborts, with SIGKILL if SIGTERM is ignored', async () => {
    const controller = new AbortController();
    const running = runTool('sh', ['-c', "trap '' TERM; echo ready; sleep 30"], {
      signal: controller.signal,
      killGraceMs: 200,
      onStdout: () => controller.abort(new Error('cancelled by the test')),
    });
    await expect(running).rejects.toThrow('cancelled by the test');
  });
});

describe('runTool priorities', () => {
  it('runs tools below the service, their scheduling group too, four started at once as well', async () => {
    // Each tool prints its own niceness and, where Linux groups sessions for scheduling, its group's; it waits first
    // so that what it prints is what the runner set after the start (retried when the kernel rate-limits it).
    const report =
      'sleep 0.6; echo "nice $(cut -d" " -f19 /proc/self/stat)"; cat /proc/self/autogroup 2>/dev/null || true';
    const outputs = await Promise.all(
      [1, 2, 3, 4].map(async () => (await runTool('sh', ['-c', report], { captureStdout: true })).stdout),
    );
    for (const stdout of outputs) {
      expect(Number(/^nice (\d+)/m.exec(stdout)?.[1])).toBe(10);
      if (existsSync('/proc/self/autogroup')) expect(/autogroup-\d+ nice (\d+)/.exec(stdout)?.[1]).toBe('10');
    }
  });
});

/** A worker that crashes must not leave its ffmpeg writing into a run's staging folder while the retry writes there. */
describe('runTool when the process that started the tool dies', () => {
  const linuxWithSetpriv = process.platform === 'linux' && existsSync('/usr/bin/setpriv');
  // Elsewhere tools are not tied to their parent (the runner says why); there is nothing to check.
  (linuxWithSetpriv ? it : it.skip)('kills the tool with it', async () => {
    const script = [
      "const { runTool } = require('./src/media/runner');",
      "runTool('sh', ['-c', 'echo $$; exec sleep 30'], { onStdout: (pid) => { process.stdout.write(pid); process.kill(process.pid, 'SIGKILL'); } });",
    ].join('\n');
    const parent = spawn(process.execPath, ['--import', 'tsx', '--eval', script], {
      cwd: path.resolve(__dirname, '../..'),
    });
    let printed = '';
    parent.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    await new Promise((resolve) => parent.once('exit', resolve));
    const pid = Number(printed.trim());
    expect(pid).toBeGreaterThan(0);
    await eventually(() => (isAlive(pid) ? undefined : true), 5_000);
  });
});

function isAlive(pid: number): boolean {
  try {
    // A killed child stays a zombie until init reaps it; count that as dead.
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}
