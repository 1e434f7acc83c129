import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { eventually } from '../helpers/gate';
import { freePort } from '../helpers/ports';

const root = path.resolve(__dirname, '..', '..');

export type Role = 'api' | 'worker';

/** One process of the deployment, by its stable name (`api-1`, `worker-2`); its pid changes when restarted. */
interface Member {
  readonly name: string;
  readonly role: Role;
  /** The API's HTTP port, or the worker's metrics port. */
  readonly port: number;
  child: ChildProcess | null;
  output: string;
}

export interface DeploymentOptions {
  dataDir: string;
  temporalAddress: string;
  databaseUrl: string;
  taskQueue: string;
  apis: number;
  workers: number;
  mediaSlots: number;
}

/**
 * reprocess deployed as several API and worker processes on one Temporal cluster, one PostgreSQL catalog and one
 * shared DATA_DIR, each started as `npm run api` / `npm run worker` would (as `node --import tsx`, so that a pid is
 * the process itself and a SIGKILL kills it). Members can be killed and started again under the same name and port.
 */
export class Deployment {
  private readonly members = new Map<string, Member>();
  /** Every pid a worker ever had: histories name workers by identity, `pid@host`. */
  private readonly workerPids = new Map<number, string>();
  private readonly exits: string[] = [];

  private constructor(private readonly options: DeploymentOptions) {}

  static async start(options: DeploymentOptions): Promise<Deployment> {
    const deployment = new Deployment(options);
    for (let i = 1; i <= options.apis; i += 1) deployment.add(`api-${i}`, 'api', await freePort());
    for (let i = 1; i <= options.workers; i += 1) deployment.add(`worker-${i}`, 'worker', await freePort());
    // The first process brings the catalog's schema up to date; the others start once it has.
    const [first, ...rest] = deployment.apiNames;
    await deployment.start(first!);
    await Promise.all([...rest, ...deployment.workerNames].map((name) => deployment.start(name)));
    return deployment;
  }

  get apiNames(): string[] {
    return [...this.members.values()].filter((m) => m.role === 'api').map((m) => m.name);
  }

  get workerNames(): string[] {
    return [...this.members.values()].filter((m) => m.role === 'worker').map((m) => m.name);
  }

  baseUrl(api: string): string {
    return `http://127.0.0.1:${this.member(api).port}`;
  }

  pid(name: string): number | null {
    return this.member(name).child?.pid ?? null;
  }

  /** The worker a history's `identity` (pid@host) names, or null for none of ours. */
  workerOf(identity: string | null | undefined): string | null {
    const pid = Number((identity ?? '').split('@')[0]);
    return this.workerPids.get(pid) ?? null;
  }

  /** A worker's Prometheus page. */
  async metrics(worker: string): Promise<string> {
    const response = await fetch(`http://127.0.0.1:${this.member(worker).port}/metrics`);
    if (!response.ok) throw new Error(`${worker} /metrics answered ${response.status}`);
    return response.text();
  }

  /** Starts a member (again) and waits until it is ready: an API's /readyz, a worker's /metrics. */
  async start(name: string): Promise<void> {
    const member = this.member(name);
    if (member.child) throw new Error(`${name} is already running`);
    const entry = member.role === 'api' ? 'src/api/server.ts' : 'src/worker.ts';
    const child = spawn(process.execPath, ['--import', 'tsx', entry], {
      cwd: root,
      env: { ...inheritedEnvironment(), ...this.environment(member) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    member.child = child;
    member.output = '';
    if (member.role === 'worker' && child.pid) this.workerPids.set(child.pid, name);
    const keep = (chunk: Buffer) => {
      member.output = (member.output + chunk.toString()).slice(-32_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('exit', (code, signal) => {
      if (member.child === child) {
        this.exits.push(`--- ${name} exited on its own (${code ?? signal})\n${member.output.slice(-4_000)}`);
        member.child = null;
      }
    });
    const ready = member.role === 'api' ? `${this.baseUrl(name)}/readyz` : `http://127.0.0.1:${member.port}/metrics`;
    await eventually(async () => {
      if (member.child !== child) throw new Error(`${name} exited while starting:\n${member.output.slice(-4_000)}`);
      const response = await fetch(ready).catch(() => null);
      return response?.ok ? true : undefined;
    }, 120_000);
  }

  /** Sends `signal` and waits until the process has exited. */
  async kill(name: string, signal: NodeJS.Signals): Promise<void> {
    const member = this.member(name);
    const child = member.child;
    if (!child) return;
    member.child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(force);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.members.keys()].map((name) => this.kill(name, 'SIGTERM')));
  }

  /** What the processes said, and which died on their own: printed when a scenario fails. */
  diagnostics(): string {
    const outputs = [...this.members.values()].map((m) => `--- ${m.name}\n${m.output.slice(-3_000)}`);
    return [...this.exits, ...outputs].join('\n');
  }

  private add(name: string, role: Role, port: number): void {
    this.members.set(name, { name, role, port, child: null, output: '' });
  }

  private member(name: string): Member {
    const member = this.members.get(name);
    if (!member) throw new Error(`no member ${name}`);
    return member;
  }

  private environment(member: Member): Record<string, string> {
    const { dataDir, temporalAddress, databaseUrl, taskQueue, mediaSlots, workers } = this.options;
    const shared = {
      DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: temporalAddress,
      DATABASE_URL: databaseUrl,
      TASK_QUEUE: taskQueue,
      LOG_LEVEL: 'warn',
    };
    return member.role === 'api'
      ? { ...shared, PORT: String(member.port) }
      : {
          ...shared,
          MEDIA_SLOTS: String(mediaSlots),
          // The deployment's media slots in all: a video's chunks are planned for every worker, as docs/deploy.md says.
          TRANSCODE_PARALLELISM: String(mediaSlots * workers),
          WORKER_METRICS_PORT: String(member.port),
        };
  }
}

/**
 * This process's environment without the settings that shape a deployment, so a CI machine's own (a namespace, a
 * queue split, keys) cannot change what the suite deploys.
 */
function inheritedEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(TEMPORAL_|WORKER_|MEDIA_|TASK_QUEUE|API_KEYS|ALLOWED_|DATABASE_URL|HOST$|PORT$|WEBHOOK_)/.test(name))
      delete env[name];
  }
  return env;
}
