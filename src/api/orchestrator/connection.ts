import { Connection } from '@temporalio/client';
import type { TemporalConnectionOptions } from '../../temporal-connection';

/**
 * A connection made on first use, so the API starts (and answers 503) while Temporal is down. Reconnect attempts are
 * capped at 5 s apart (gRPC's default backoff grows to 2 min), so the API recovers within seconds of Temporal's
 * return.
 */
export function lazyConnection(options: TemporalConnectionOptions | string): Connection {
  const base = typeof options === 'string' ? { address: options } : options;
  return Connection.lazy({ ...base, channelArgs: { 'grpc.max_reconnect_backoff_ms': 5_000 } });
}
