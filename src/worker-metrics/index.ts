export { meteredActivities } from './interceptor';
export { createWorkerMetrics, type WorkerMetrics } from './metrics';
export { freeLoopbackPort, serveWorkerMetrics } from './server';
