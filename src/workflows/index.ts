// The worker's workflow bundle entry: every function exported here is registered as a workflow type.
export { ReprocessVideo } from './reprocess-video';
export { DeliverWebhook } from './deliver-webhook';
export { ReprocessBatch } from './reprocess-batch';
