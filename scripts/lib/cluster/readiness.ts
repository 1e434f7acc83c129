import { status as grpcStatus } from '@grpc/grpc-js';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import { google, grpc, temporal } from '@temporalio/proto';
import { REPROCESS_STAGE } from '../../../src/workflows/definitions';

const WORKFLOW_SERVICE = 'temporal.api.workflowservice.v1.WorkflowService';

/** Tries `attempt`, with a deadline for its calls, until it returns true: TemporalCluster's poll. */
export type Poll = (what: string, attempt: (deadline: number) => Promise<boolean>) => Promise<void>;

/** A connection to the frontend at `address`, closed after `fn`. */
export async function withConnection<T>(address: string, fn: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = Connection.lazy({
    address,
    // The frontend is not up yet at first: retry connecting often rather than backing off for minutes.
    channelArgs: { 'grpc.initial_reconnect_backoff_ms': 200, 'grpc.max_reconnect_backoff_ms': 1_000 },
  });
  try {
    return await fn(connection);
  } finally {
    await connection.close();
  }
}

export async function awaitFrontendServing(connection: Connection, poll: Poll): Promise<void> {
  await poll('The Temporal frontend answering SERVING', async (deadline) => {
    const response = await connection.withDeadline(deadline, () =>
      connection.healthService.check({ service: WORKFLOW_SERVICE }),
    );
    return response.status === grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING;
  });
}

/** The namespace (unless it exists) and the ReprocessStage search attribute in it. */
export async function registerNamespaceAndSearchAttribute(
  connection: Connection,
  namespace: string,
  log: (message: string) => void,
  poll: Poll,
): Promise<void> {
  await poll(`Registering the namespace ${namespace}`, async (deadline) => {
    try {
      await connection.withDeadline(deadline, () =>
        connection.workflowService.registerNamespace({
          namespace,
          workflowExecutionRetentionPeriod: google.protobuf.Duration.fromObject({ seconds: 3 * 24 * 3600 }),
        }),
      );
      log(`registered the namespace ${namespace}`);
    } catch (error) {
      if (!isGrpcServiceError(error) || error.code !== grpcStatus.ALREADY_EXISTS) throw error;
    }
    return true;
  });
  await poll(`Registering the ${REPROCESS_STAGE.name} search attribute`, async (deadline) => {
    await connection.withDeadline(deadline, () =>
      connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: {
          [REPROCESS_STAGE.name]: temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${REPROCESS_STAGE.type}`],
        },
      }),
    );
    return true;
  });
}

/**
 * Every service answering for the namespace: the frontend knows it and the search attribute (a visibility query
 * by it), history answers for a workflow (not found), matching for a task queue. Only then do clients get answers
 * rather than "namespace not found" or "no hosts".
 */
export async function awaitNamespaceServed(connection: Connection, namespace: string, poll: Poll): Promise<void> {
  await poll(`The namespace ${namespace} being served`, async (deadline) => {
    const service = connection.workflowService;
    await connection.withDeadline(deadline, () =>
      service.countWorkflowExecutions({ namespace, query: `${REPROCESS_STAGE.name} = 'probe'` }),
    );
    try {
      await connection.withDeadline(deadline, () =>
        service.describeWorkflowExecution({ namespace, execution: { workflowId: 'reprocess-cluster-probe' } }),
      );
    } catch (error) {
      const workflowNotFound =
        isGrpcServiceError(error) && error.code === grpcStatus.NOT_FOUND && !/namespace/i.test(error.message);
      if (!workflowNotFound) throw error;
    }
    await connection.withDeadline(deadline, () =>
      service.describeTaskQueue({
        namespace,
        taskQueue: { name: 'reprocess-cluster-probe' },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      }),
    );
    return true;
  });
}
