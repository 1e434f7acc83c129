// The floor any HTTP front to Temporal pays: a bare Koa app, in a process of its own, whose routes call the raw
// client and nothing else (no validation, catalog, deadlines or logs). bench:api measures the API against it.
import { Client, Connection } from '@temporalio/client';
import Koa from 'koa';
import Router from '@koa/router';
import { selectSteps } from '../src/progress';
import { progressQuery, REPROCESS_STAGE, REPROCESS_WORKFLOW_TYPE } from '../src/workflows/definitions';

async function run(): Promise<void> {
  const connection = await Connection.connect({ address: process.env['TEMPORAL_ADDRESS'] ?? '127.0.0.1:7233' });
  const client = new Client({ connection });
  const taskQueue = process.env['TASK_QUEUE'] ?? 'bench-parked';
  const router = new Router();
  router.post('/start/:id', async (ctx) => {
    const id = ctx.params['id']!;
    const handle = await client.workflow.start(REPROCESS_WORKFLOW_TYPE, {
      workflowId: id,
      taskQueue,
      args: [{ videoId: id, steps: selectSteps(undefined) }],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      staticSummary: `Reprocess video ${id}`,
      typedSearchAttributes: [{ key: REPROCESS_STAGE, value: 'queued' }],
    });
    ctx.status = 202;
    ctx.body = { run_id: handle.firstExecutionRunId };
  });
  router.get('/query/:id', async (ctx) => {
    ctx.body = await client.workflow.getHandle(ctx.params['id']!).query(progressQuery);
  });
  const app = new Koa();
  app.use(router.routes());
  app.listen(Number(process.env['PORT']), '127.0.0.1');
}

run().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
