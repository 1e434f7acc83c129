import type { Connection } from '@temporalio/client';
import { REPROCESS_STAGE } from '../../../src/workflows/definitions';
import type { TemporalServerBinaries } from '../temporal-server';
import { ClusterStartError, errorMessage } from './errors';
import { awaitMember, forgetMembers } from './membership';
import { compileClusterOptions, type ClusterOptions, type ClusterOptionsInput } from './options';
import { allPorts, assertPortsFree } from './ports';
import { ManagedProcess } from './processes';
import {
  awaitFrontendServing,
  awaitNamespaceServed,
  registerNamespaceAndSearchAttribute,
  withConnection,
  type Poll,
} from './readiness';
import { CONFIG_ENV, writeServerConfig } from './server-config';
import { TEMPORAL_SERVICES, type TemporalService } from './services';

/**
 * A Temporal server of four processes (frontend, history, matching, worker) on PostgreSQL. The databases must have
 * been prepared (prepareDatabases) first. The services can be stopped and started again on the same ports and
 * databases, as a restart of the server would.
 */
export class TemporalCluster {
  readonly options: Readonly<ClusterOptions>;
  /** The frontend, for clients: 127.0.0.1:port. */
  readonly address: string;
  private readonly services = new Map<TemporalService, ManagedProcess>();
  private stopping = false;
  private spawnedAt = 0;

  constructor(
    private readonly binaries: TemporalServerBinaries,
    input: ClusterOptionsInput,
  ) {
    this.options = compileClusterOptions(input);
    this.address = `127.0.0.1:${this.options.ports.frontend}`;
  }

  /** Writes the config, starts the four services, registers the namespace and its search attribute. */
  static async start(binaries: TemporalServerBinaries, input: ClusterOptionsInput): Promise<TemporalCluster> {
    return new TemporalCluster(binaries, input).start();
  }

  /** As the static start, on a cluster built beforehand (so that a Ctrl-C during the start can stop it). */
  async start(): Promise<this> {
    try {
      await assertPortsFree(Object.fromEntries(allPorts(this.options.ports)));
      await writeServerConfig(this.options);
      await this.spawnAll();
      await withConnection(this.address, async (connection) => {
        await this.waitUntilServing(connection);
        await registerNamespaceAndSearchAttribute(connection, this.options.namespace, this.options.log, this.poll);
        await this.waitUntilUsable(connection);
      });
      return this;
    } catch (error) {
      await this.stopServices();
      throw error;
    }
  }

  /** Whether all four services are running. */
  get running(): boolean {
    return TEMPORAL_SERVICES.every((service) => this.services.get(service)?.ended === null);
  }

  /** The process id of each service running. */
  pids(): Partial<Record<TemporalService, number>> {
    const pids: Partial<Record<TemporalService, number>> = {};
    for (const [service, { child, ended }] of this.services) if (ended === null && child.pid) pids[service] = child.pid;
    return pids;
  }

  /** The last lines a service printed (of its current or last process). */
  output(service: TemporalService): string {
    return this.services.get(service)?.output.text() ?? '';
  }

  /**
   * Stops the four processes: SIGTERM, then SIGKILL for any still there after the grace period. The worker service
   * first: it is a client of the frontend, and once that is gone it may hang on shutdown until it is killed.
   */
  async stopServices(): Promise<void> {
    const grace = this.options.stopGraceMs;
    await this.services.get('worker')?.stop(grace);
    await Promise.all([...this.services.values()].map((service) => service.stop(grace)));
    if (this.services.size > 0) await forgetMembers(this.options);
  }

  /** Starts the four services again on the same ports and databases, and waits until they answer. */
  async startServices(): Promise<void> {
    if (this.running) return;
    await this.stopServices();
    this.stopping = false;
    try {
      await this.spawnAll();
      await withConnection(this.address, async (connection) => {
        await this.waitUntilServing(connection);
        await this.waitUntilUsable(connection);
      });
    } catch (error) {
      await this.stopServices();
      throw error;
    }
  }

  /** Stops everything; the databases stay (dropDatabases removes them). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.stopServices();
  }

  /**
   * The frontend first, alone, until it has recorded itself as a member of the cluster: each process writes the
   * cluster's metadata (its addresses) to the database as it starts, and of several doing so at once on a new database
   * (or with new ports) all but one die with "failed to initialize current cluster metadata". Not until it serves,
   * though: members of a run stopped less than 20 s ago are still taken for alive, and alone it would wait 30 s or
   * more for them to answer; started together, the others answer at those addresses.
   */
  private async spawnAll(): Promise<void> {
    const [first, ...others] = TEMPORAL_SERVICES;
    this.spawnedAt = Date.now();
    const since = new Date(this.spawnedAt);
    this.spawnOne(first);
    await awaitMember(this.options, first, since, this.poll);
    for (const service of others) this.spawnOne(service);
  }

  private spawnOne(service: TemporalService): void {
    const args = ['--root', this.options.dir, '--config', 'config', '--env', CONFIG_ENV, '--allow-no-auth'];
    const { onOutput, onUnexpectedExit, log } = this.options;
    const managed = new ManagedProcess(
      this.binaries.server,
      [...args, 'start', '--service', service],
      this.options.dir,
      onOutput ? (line) => onOutput(service, line) : null,
      (why, output) => {
        if (this.stopping) return;
        if (onUnexpectedExit) onUnexpectedExit(service, why, output);
        else log(`the Temporal ${service} service ${why}; its last output:\n${output}`);
      },
    );
    this.services.set(service, managed);
  }

  private throwIfAnyEnded(): void {
    if (this.stopping) throw new ClusterStartError('The cluster was stopped while it was starting', '');
    for (const [service, running] of this.services) {
      if (running.ended !== null && !running.expected) {
        throw new ClusterStartError(
          `The Temporal ${service} service ${running.ended}; its last output:`,
          running.output.text(),
        );
      }
    }
  }

  /**
   * Polls until `what` succeeds, failing early when a service exits, late when the start timeout passes. A function
   * rather than a method, as the readiness checks and the membership wait are handed it.
   */
  private readonly poll: Poll = async (what, attempt) => {
    const started = Date.now();
    let lastError: unknown = null;
    for (;;) {
      this.throwIfAnyEnded();
      try {
        if (await attempt(Date.now() + 3_000)) return;
      } catch (error) {
        lastError = error;
      }
      if (Date.now() - started > this.options.startTimeoutMs) {
        const outputs = TEMPORAL_SERVICES.map((service) => `--- ${service}\n${this.output(service)}`).join('\n');
        throw new ClusterStartError(
          `${what} did not happen within ${this.options.startTimeoutMs / 1000} s` +
            (lastError ? ` (last error: ${errorMessage(lastError)})` : '') +
            '; the services printed:',
          outputs,
          { cause: lastError },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  private async waitUntilServing(connection: Connection): Promise<void> {
    await awaitFrontendServing(connection, this.poll);
    this.options.log(`the Temporal frontend is SERVING on ${this.address} (${this.sinceSpawned()})`);
  }

  private async waitUntilUsable(connection: Connection): Promise<void> {
    const { namespace } = this.options;
    await awaitNamespaceServed(connection, namespace, this.poll);
    this.options.log(`the namespace ${namespace} is served, with ${REPROCESS_STAGE.name} (${this.sinceSpawned()})`);
  }

  private sinceSpawned(): string {
    return `${((Date.now() - this.spawnedAt) / 1000).toFixed(1)} s after the services were started`;
  }
}
