// `npm run bench:outage`: how long a start (POST …/run_sync) takes to be refused while Temporal is down, against
// how long a read (GET) takes, through the API's own orchestrator. Nothing listens on the port it is pointed at.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Client } from '@temporalio/client';
import { lazyConnection, Orchestrator } from '../src/api/orchestrator';
import { percentile } from './lib';

const QUERY_TIMEOUT_MS = 2_000;
const COMMAND_TIMEOUT_MS = 5_000;
const ROUNDS = 5;

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function timed(call: () => Promise<unknown>): Promise<{ ms: number; outcome: string }> {
  const started = performance.now();
  const outcome = await call().then(
    () => 'answered',
    (error: { code?: string }) => error.code ?? 'error',
  );
  return { ms: performance.now() - started, outcome };
}

async function run(): Promise<void> {
  const connection = lazyConnection(`127.0.0.1:${await closedPort()}`);
  const orchestrator = new Orchestrator(new Client({ connection }), {
    taskQueue: 'bench-outage',
    queryTimeoutMs: QUERY_TIMEOUT_MS,
    commandTimeoutMs: COMMAND_TIMEOUT_MS,
  });
  // The very first call, with nothing known of the server yet: it gets the full command deadline.
  const first = await timed(() => orchestrator.start({ videoId: `v${randomUUID()}` }));
  const starts: number[] = [];
  const reads: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    starts.push((await timed(() => orchestrator.start({ videoId: `v${randomUUID()}` }))).ms);
    reads.push((await timed(() => orchestrator.describe('v'))).ms);
  }
  const p50 = (values: number[]) => Math.round(percentile(values, 50));
  console.log(
    `Temporal down (nothing listening), deadlines: read ${QUERY_TIMEOUT_MS} ms, command ${COMMAND_TIMEOUT_MS} ms`,
  );
  console.log(`  first start, nothing known yet   ${Math.round(first.ms)} ms (${first.outcome})`);
  console.log(`  start once known down, p50      ${p50(starts)} ms (max ${Math.round(Math.max(...starts))})`);
  console.log(`  read (describe), p50             ${p50(reads)} ms (max ${Math.round(Math.max(...reads))})`);
  // Not connection.close(): the SDK's retries of the calls given up on are still pending, and would throw on a
  // closed channel.
  process.exit(0);
}

run().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
