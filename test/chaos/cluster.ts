import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { priorityDevServerArgs } from '../../scripts/lib/task-priority';
import { REPROCESS_STAGE } from '../../src/workflows/definitions';
import { eventually } from '../helpers/gate';
import { freePort } from '../helpers/ports';

const root = path.resolve(__dirname, '..', '..');

type Role = 'temporal' | 'worker' | 'api';

interface Running {
  child: ChildProcess;
  output: string;
}

/**
 * The whole service as real processes on one machine, the way `npm run up` runs it: a file-backed Temporal dev
 * server, one worker, one API. Each can be killed and brought back on the same ports and files, which is what a
 * fault test needs.
 */
export class Cluster {
  readonly baseUrl: string;
  private readonly running = new Map<Role, Running>();
  private readonly exits: string[] = [];

  private constructor(
    readonly dataDir: string,
    readonly temporalPort: number,
    readonly apiPort: number,
    readonly taskQueue: string,
  ) {
    this.baseUrl = `http://127.0.0.1:${apiPort}`;
  }

  static async start(dataDir: string): Promise<Cluster> {
    const cluster = new Cluster(dataDir, await freePort(), await freePort(), 'chaos');
    await cluster.startTemporal();
    cluster.startWorker();
    cluster.startApi();
    await eventually(async () => ((await fetch(`${cluster.baseUrl}/readyz`)).ok ? true : undefined), 90_000);
    return cluster;
  }

  get temporalAddress(): string {
    return `127.0.0.1:${this.temporalPort}`;
  }

  /** The dev server on its fixed port and database file: a restart finds every run where it was. */
  async startTemporal(): Promise<void> {
    const cli = process.env['REPROCESS_TEST_TEMPORAL_CLI'];
    if (!cli) throw new Error('REPROCESS_TEST_TEMPORAL_CLI is not set: run with `npm run test:chaos`');
    this.launch('temporal', cli, [
      'server',
      'start-dev',
      '--db-filename',
      path.join(this.dataDir, 'temporal.sqlite'),
      '--ip',
      '127.0.0.1',
      '--port',
      String(this.temporalPort),
      '--headless',
      '--search-attribute',
      `${REPROCESS_STAGE.name}=Keyword`,
      // As `npm run up` starts it: the faults must hit the task matching the service runs on (docs/decisions.md).
      ...priorityDevServerArgs(),
      '--log-level',
      'error',
    ]);
    await eventually(() => isListening(this.temporalPort), 30_000);
  }

  /**
   * `node --import tsx`, not the tsx CLI: the pid is the worker itself, so a SIGKILL kills the worker. `env` adds to
   * the worker's environment (a scenario's own tool paths, say).
   */
  startWorker(env: Record<string, string> = {}): void {
    this.launch('worker', process.execPath, ['--import', 'tsx', 'src/worker.ts'], env);
  }

  startApi(): void {
    this.launch('api', process.execPath, ['--import', 'tsx', 'src/api/server.ts']);
  }

  /** Sends `signal` and waits until the process has exited. */
  async kill(role: Role, signal: NodeJS.Signals): Promise<void> {
    const running = this.running.get(role);
    if (!running) return;
    this.running.delete(role);
    const { child } = running;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(force);
    if (role === 'temporal')
      await eventually(() => isListening(this.temporalPort).then((up) => (up ? undefined : true)), 10_000);
  }

  async stop(): Promise<void> {
    await this.kill('api', 'SIGTERM');
    await this.kill('worker', 'SIGTERM');
    await this.kill('temporal', 'SIGTERM');
  }

  /** What the processes said, and which of them died on their own: printed when a scenario fails. */
  diagnostics(): string {
    const outputs = [...this.running].map(([role, { output }]) => `--- ${role}\n${output.slice(-4_000)}`);
    return [...this.exits, ...outputs].join('\n');
  }

  private launch(role: Role, command: string, args: string[], extraEnv: Record<string, string> = {}): void {
    const child = spawn(command, args, {
      cwd: root,
      env: {
        ...process.env,
        DATA_DIR: this.dataDir,
        TEMPORAL_ADDRESS: this.temporalAddress,
        TASK_QUEUE: this.taskQueue,
        PORT: String(this.apiPort),
        LOG_LEVEL: 'warn',
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const running: Running = { child, output: '' };
    const keep = (chunk: Buffer) => {
      running.output = (running.output + chunk.toString()).slice(-64_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', (code, signal) => {
      if (this.running.get(role) === running) {
        this.exits.push(`--- ${role} exited on its own (${code ?? signal})\n${running.output.slice(-4_000)}`);
        this.running.delete(role);
      }
    });
    this.running.set(role, running);
  }
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
