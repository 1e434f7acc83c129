// A worker for the ReprocessVideo workflow alone, with no activities: its runs stay open and idle, waiting on steps
// nobody runs, and answer queries. bench:api runs it as its own process, as a deployed worker is.
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';

async function run(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const connection = await NativeConnection.connect({ address: process.env['TEMPORAL_ADDRESS'] ?? '127.0.0.1:7233' });
  const worker = await Worker.create({
    connection,
    taskQueue: process.env['TASK_QUEUE'] ?? 'bench-live',
    workflowsPath: require.resolve('../src/workflows'),
  });
  await worker.run();
  await connection.close();
}

run().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
