import { ToolFailedError, ToolNotFoundError, ToolTimeoutError } from '../../src/media/errors';
import { runTool } from '../../src/media/runner';

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
