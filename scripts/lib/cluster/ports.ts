import net from 'node:net';
import { ClusterStartError } from './errors';
import type { TemporalService } from './services';

export interface ClusterPorts {
  /** The frontend's gRPC port: what clients (`TEMPORAL_ADDRESS`) connect to. */
  frontend: number;
  /** The frontend's HTTP API. */
  frontendHttp: number;
  history: number;
  matching: number;
  worker: number;
  /** Each service's membership (ringpop) port, through which the four find each other. */
  membership: Record<TemporalService, number>;
}

/** The ports of the server's own development config: the frontend where the dev server would be. */
export const DEFAULT_CLUSTER_PORTS: Readonly<ClusterPorts> = Object.freeze({
  frontend: 7233,
  frontendHttp: 7243,
  history: 7234,
  matching: 7235,
  worker: 7239,
  membership: Object.freeze({ frontend: 6933, history: 6934, matching: 6935, worker: 6939 }),
});

/**
 * The server keeps each membership port in a SMALLINT column (cluster_membership.rpc_port): above 32767 a service dies
 * at start with "value … is out of range for type smallint".
 */
export const MAX_MEMBERSHIP_PORT = 32_767;

/**
 * Nine ports that were free a moment ago, for a cluster of one's own beside others (tests): all below 32768, which
 * the membership ports must be, and which also keeps them out of Linux's range for outgoing connections.
 */
export async function pickFreePorts(): Promise<ClusterPorts> {
  // All held open together, so that no two are the same.
  const servers: net.Server[] = [];
  for (let attempt = 0; servers.length < 9; attempt++) {
    if (attempt > 1_000) throw new Error('Found no nine free ports between 20000 and 32767');
    const port = 20_000 + Math.floor(Math.random() * (MAX_MEMBERSHIP_PORT - 20_000));
    const server = await new Promise<net.Server | null>((resolve) => {
      const candidate = net.createServer();
      candidate.once('error', () => resolve(null));
      candidate.listen(port, '127.0.0.1', () => resolve(candidate));
    });
    if (server) servers.push(server);
  }
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  const next = () => ports.pop() as number;
  return {
    frontend: next(),
    frontendHttp: next(),
    history: next(),
    matching: next(),
    worker: next(),
    membership: { frontend: next(), history: next(), matching: next(), worker: next() },
  };
}

export function allPorts(ports: ClusterPorts): [string, number][] {
  const { membership, ...grpc } = ports;
  return [
    ...Object.entries(grpc),
    ...Object.entries(membership).map(([service, port]): [string, number] => [`${service} membership`, port]),
  ];
}

/** Refuses at once, and by name, a port something else holds; the server would die with a less clear message. */
export async function assertPortsFree(ports: Record<string, number>): Promise<void> {
  for (const [name, port] of Object.entries(ports)) {
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (!free) throw new ClusterStartError(`Port ${port} (${name}) is already in use on 127.0.0.1`, '');
  }
}
