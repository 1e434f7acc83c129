import pino, { type Logger } from 'pino';
import type { Config } from './config';

export type { Logger } from 'pino';

/** One JSON logger per process; requests and components take children of it. */
export function createLogger(level: Config['logLevel']): Logger {
  return pino({ level, base: { service: 'reprocess' } });
}
