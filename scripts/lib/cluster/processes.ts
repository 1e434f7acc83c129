import { spawn, type ChildProcess } from 'node:child_process';

/** The last lines a process printed, for the story of a failure. */
class OutputTail {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(
    private readonly limit: number,
    private readonly onLine: ((line: string) => void) | null,
  ) {}

  write(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.push(line);
  }

  text(): string {
    return [...this.lines, ...(this.partial ? [this.partial] : [])].join('\n');
  }

  private push(line: string): void {
    const trimmed = line.length > 2_000 ? `${line.slice(0, 2_000)}…` : line;
    this.onLine?.(trimmed);
    this.lines.push(trimmed);
    if (this.lines.length > this.limit) this.lines.shift();
  }
}

/** Processes started here, killed if this process exits without stopping them (they run detached). */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A program run in its own process group, its output kept, stopped with SIGTERM and then SIGKILL. */
export class ManagedProcess {
  readonly child: ChildProcess;
  readonly output: OutputTail;
  readonly exited: Promise<void>;
  /** Set when the process ended; with `expected` false, nobody asked it to. */
  ended: string | null = null;
  expected = false;

  constructor(
    command: string,
    args: string[],
    cwd: string,
    onLine: ((line: string) => void) | null,
    onUnexpectedEnd: (why: string, output: string) => void,
  ) {
    // Own process group: a Ctrl-C in the terminal reaches only the script, which then stops each process once.
    this.child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const output = new OutputTail(200, onLine);
    this.output = output;
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => output.write(chunk));
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => output.write(chunk));
    liveChildren.add(this.child);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', () => {
        for (const orphan of liveChildren) orphan.kill('SIGKILL');
      });
    }
    this.exited = new Promise<void>((resolve) => {
      const onEnd = (why: string) => {
        if (this.ended !== null) return;
        this.ended = why;
        liveChildren.delete(this.child);
        resolve();
        if (!this.expected) onUnexpectedEnd(why, output.text());
      };
      // 'close' rather than 'exit': its last words are read by then.
      this.child.once('close', (code, signal) => onEnd(`exited unexpectedly (${signal ?? `code ${code}`})`));
      this.child.once('error', (error) => onEnd(`could not be started (${error.message})`));
    });
  }

  async stop(graceMs: number): Promise<void> {
    this.expected = true;
    if (this.ended !== null) return;
    const force = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    this.child.kill('SIGTERM');
    await this.exited;
    clearTimeout(force);
  }
}
