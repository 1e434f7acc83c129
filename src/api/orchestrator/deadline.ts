import type { Client } from '@temporalio/client';
import { DeadlineExceededError } from './errors';

/**
 * Runs a Temporal call under a deadline that holds: gRPC's deadline alone does not, since the SDK's retry interceptor
 * sleeps between attempts without looking at it.
 */
export function withinDeadline<T>(client: Client, deadline: number, call: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceededError()), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([client.withDeadline(deadline, call), expired]).finally(() => clearTimeout(timer));
}
