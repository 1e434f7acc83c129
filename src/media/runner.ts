import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { ToolFailedError, ToolNotFoundError, ToolTimeoutError } from './errors';

export interface RunOptions {
  /** Aborting kills the process (SIGTERM, then SIGKILL after `killGraceMs`) and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Kills the process and rejects with ToolTimeoutError past this many milliseconds. */
  timeoutMs?: number;
  /** Kills the process and rejects with ToolTimeoutError when it writes nothing on stdout for this long (a stall). */
  idleTimeoutMs?: number;
  killGraceMs?: number;
  /** Called with each chunk of stdout, e.g. ffmpeg's `-progress pipe:1` lines. */
  onStdout?: (chunk: string) => void;
  /** Called with each chunk of stderr, for tools that report results there (ebur128, metadata=print). */
  onStderr?: (chunk: string) => void;
  /** Keep stdout in the result (ffprobe's JSON); capped at `maxStdoutBytes`. */
  captureStdout?: boolean;
  maxStdoutBytes?: number;
}

export interface RunResult {
  stdout: string;
  stderrTail: string;
}

const STDERR_TAIL_BYTES = 4_096;

/**
 * Runs ffmpeg or ffprobe to completion. The one place that spawns media tools: it owns cancellation, timeouts and
 * the stderr tail that error messages quote.
 */
export function runTool(executable: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const { signal, timeoutMs, killGraceMs = 2_000, onStdout, onStderr, captureStdout = false } = options;
  const maxStdoutBytes = options.maxStdoutBytes ?? 16 * 1024 * 1024;
  const tool = executable.split('/').at(-1) ?? executable;

  return new Promise<RunResult>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    // Its own process group, so a kill reaches anything it started too, and nothing is left holding its pipes.
    const wrapper = deathSignalWrapper();
    const child = wrapper
      ? spawn(wrapper, ['--pdeathsig', 'KILL', '--', executable, ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        })
      : spawn(executable, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    lowerPriority(child.pid, TOOL_NICENESS);
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        child.kill(signal);
      }
    };
    let stdout = '';
    let stdoutBytes = 0;
    let stderrTail = '';
    let failure: Error | null = null;
    let killTimer: NodeJS.Timeout | undefined;

    const kill = (reason: Error) => {
      if (failure !== null) return;
      failure = reason;
      signalGroup('SIGTERM');
      killTimer = setTimeout(() => signalGroup('SIGKILL'), killGraceMs);
    };
    const onAbort = () => kill(signal ? abortReason(signal) : new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    const deadline =
      timeoutMs === undefined ? undefined : setTimeout(() => kill(new ToolTimeoutError(tool, timeoutMs)), timeoutMs);
    let idle: NodeJS.Timeout | undefined;
    const armIdle = () => {
      if (options.idleTimeoutMs === undefined) return;
      clearTimeout(idle);
      const limit = options.idleTimeoutMs;
      idle = setTimeout(() => kill(new ToolTimeoutError(tool, limit, 'made no progress')), limit);
    };
    armIdle();

    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      armIdle();
      onStdout?.(chunk);
      if (!captureStdout) return;
      stdoutBytes += Buffer.byteLength(chunk);
      if (stdoutBytes > maxStdoutBytes) kill(new Error(`${tool} wrote more than ${maxStdoutBytes} bytes of output`));
      else stdout += chunk;
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      onStderr?.(chunk);
      stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
    });

    const cleanUp = () => {
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(deadline);
      clearTimeout(idle);
      clearTimeout(killTimer);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      cleanUp();
      reject(
        error.code === 'ENOENT' || error.code === 'EACCES' ? new ToolNotFoundError(tool, { cause: error }) : error,
      );
    });
    child.once('close', (code, exitSignal) => {
      cleanUp();
      if (failure !== null) reject(failure);
      else if (code === 0) resolve({ stdout, stderrTail });
      // setpriv's own codes when it cannot run the tool (not found, not executable); ffmpeg never exits with them.
      else if (wrapper && (code === 126 || code === 127)) {
        reject(new ToolNotFoundError(tool, { cause: new Error(stderrTail.trim()) }));
      } else reject(new ToolFailedError(tool, code, exitSignal, stderrTail));
    });
  });
}

/** Temporal's cancellation signal carries a CancelledFailure; keep it, so the activity reports a cancellation. */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(`aborted: ${String(reason)}`);
}

/**
 * Media tools run below the service's own processes: on one machine (the embedded default) the dev server and the
 * API share the cores with ffmpeg, and an encode using every core must not make them late to answer. Threads ffmpeg
 * starts later (its encoders) inherit the priority; batch work loses nothing when the machine is otherwise idle.
 */
const TOOL_NICENESS = 10;

function lowerPriority(pid: number | undefined, niceness: number): void {
  if (pid === undefined) return;
  const level = Math.max(os.getPriority(), niceness);
  try {
    os.setPriority(pid, level);
  } catch {
    // gone already, or not permitted: it runs at the service's priority
  }
  // A tool leads a session of its own (detached), and where Linux groups sessions for scheduling (autogroup, on by
  // default) a process's niceness only weighs against its own group: the group's must be set too, or every tool
  // would get a whole group's share, as much as the service. Absent file: no autogroups here.
  setGroupNiceness(pid, level, 10);
}

/**
 * The kernel lets an unprivileged process set a group's niceness once per 100 ms (EAGAIN otherwise), and steps start
 * their tools together: a refused write is tried again a little later, a few times.
 */
function setGroupNiceness(pid: number, level: number, triesLeft: number): void {
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(level));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EAGAIN' && triesLeft > 1) {
      setTimeout(() => setGroupNiceness(pid, level, triesLeft - 1), 110).unref();
    }
    // otherwise: no autogroup scheduling, or the tool is gone already
  }
}

let wrapperPath: string | null | undefined;

/**
 * `setpriv --pdeathsig KILL` where the system has it (Linux, util-linux): the tool is killed the moment the process
 * that started it dies. Without it, ffmpeg ignores the broken progress pipe of a crashed worker and goes on writing
 * into the run's staging folder while the retry writes there too. Elsewhere tools run directly, and a crashed
 * worker's ffmpeg runs to its end (a service manager's cgroup kill, systemd's default, covers that case).
 */
function deathSignalWrapper(): string | null {
  if (wrapperPath !== undefined) return wrapperPath;
  wrapperPath = null;
  if (process.platform !== 'linux') return wrapperPath;
  for (const candidate of ['/usr/bin/setpriv', '/bin/setpriv']) {
    // Present is not enough: util-linux before 2.33 has setpriv without --pdeathsig.
    const probe = spawnSync(candidate, ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore', timeout: 5_000 });
    if (probe.status === 0) {
      wrapperPath = candidate;
      break;
    }
  }
  return wrapperPath;
}
