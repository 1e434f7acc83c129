import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import type { Logger } from './logger';

/** The SDK's context fields, under the names the API's request logs use for the same things. */
const FIELD_NAMES: Record<string, string> = {
  workflowId: 'workflow_id',
  runId: 'run_id',
  workflowRunId: 'run_id',
  workflowType: 'workflow_type',
  activityId: 'activity_id',
  activityType: 'activity_type',
  attempt: 'attempt',
  taskQueue: 'task_queue',
  namespace: 'namespace',
  sdkComponent: 'sdk_component',
};

const NO_WORKFLOWS = 'No workflows registered, not polling for workflow tasks';

/** Never logged: an activity's task token lets whoever holds it complete the activity. */
const DROPPED = new Set(['taskToken']);

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * The SDK's Runtime logger as a pino child: the workflows' and activities' own `log.info` (a run recorded, a
 * transcode resuming) arrive in the worker's one JSON log at LOG_LEVEL, with the workflow and activity they came
 * from as fields, instead of in a second format or not at all.
 */
export function sdkLoggerFor(logger: Logger): SdkLogger {
  const write = (level: LogLevel, message: string, meta?: LogMetadata) => {
    // A many-line block at info is the SDK's own report (the workflow bundler's module list): detail, not an event.
    // The media queue's worker has no workflows by design, which the SDK warns of: that is the setup, not a fault.
    const method =
      (level === 'INFO' && message.includes('\n')) || (level === 'WARN' && message.startsWith(NO_WORKFLOWS))
        ? 'debug'
        : LEVELS[level];
    if (!logger.isLevelEnabled(method)) return;
    logger[method](fieldsOf(meta), message);
  };
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}

/** The SDK's metadata as pino fields: context renamed, errors kept as `err` so pino serialises their stack. */
export function fieldsOf(meta: LogMetadata | undefined): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta ?? {})) {
    if (value === undefined || DROPPED.has(key)) continue;
    if (key === 'error' || key === 'failure') fields['err'] = value;
    else fields[FIELD_NAMES[key] ?? key] = value;
  }
  return fields;
}
