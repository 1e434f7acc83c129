import dns, { type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { forbiddenAddressReason } from './address-policy';
import { callbackUrlProblem } from './callback-url';
import { retryAfterMs } from './retry-schedule';

/** How one attempt ended. `gone` and `refused` end the delivery; `failed` is tried again on the schedule. */
export type AttemptOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'gone'; status: number; error: string }
  | { kind: 'refused'; error: string }
  | { kind: 'failed'; status: number | null; error: string; retryAfterMs: number | null };

export interface AttemptOptions {
  allowPrivate: boolean;
  /** The whole attempt, connection to the last byte read. */
  timeoutMs: number;
  /** What is read of the receiver's answer before the connection is closed; it is never used. */
  maxResponseBytes: number;
  /** The resolver (tests give their own, to make a public-looking name resolve to loopback). */
  lookup?: typeof dns.lookup;
}

/** The resolver refused every address it found, for the reason given. */
class ForbiddenAddressError extends Error {}

/**
 * One POST of a webhook. The address connected to is checked after DNS resolution, inside the socket's own lookup,
 * so a name that resolves to a private address is refused at the moment of connecting and a resolver answer
 * cannot change between the check and the connection. Redirects are never followed (a 3xx is a failure); no
 * connection is reused, so every attempt resolves afresh.
 */
export function deliverOnce(
  request: { url: string; headers: Record<string, string>; body: string },
  options: AttemptOptions,
): Promise<AttemptOutcome> {
  const problem = callbackUrlProblem(request.url, { allowPrivate: options.allowPrivate });
  if (problem !== null) return Promise.resolve({ kind: 'refused', error: `callback_url refused: ${problem}` });
  const url = new URL(request.url);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<AttemptOutcome>((resolve) => {
    const startedAt = Date.now();
    const outgoing = client.request(url, {
      method: 'POST',
      headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
      lookup: guardedLookup(options),
      agent: false,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    outgoing.once('response', (response) => {
      let read = 0;
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > options.maxResponseBytes) response.destroy();
      });
      const settle = () => resolve(classify(response.statusCode ?? 0, response.headers['retry-after'], startedAt));
      response.once('end', settle);
      response.once('close', settle);
      response.once('error', settle);
    });
    outgoing.once('error', (error: Error & { code?: string }) => {
      if (error instanceof ForbiddenAddressError) resolve({ kind: 'refused', error: error.message });
      else if (error.name === 'AbortError' || error.name === 'TimeoutError')
        resolve({
          kind: 'failed',
          status: null,
          error: `no answer within ${options.timeoutMs} ms`,
          retryAfterMs: null,
        });
      else resolve({ kind: 'failed', status: null, error: error.code ?? error.message, retryAfterMs: null });
    });
    outgoing.end(request.body);
  });
}

function classify(status: number, retryAfter: string | undefined, now: number): AttemptOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status === 410) return { kind: 'gone', status, error: 'HTTP 410: the receiver asked for no more deliveries' };
  const waited = status === 429 || status === 503 ? retryAfterMs(retryAfter, now) : null;
  const why = status >= 300 && status < 400 ? `HTTP ${status}: redirects are not followed` : `HTTP ${status}`;
  return { kind: 'failed', status, error: why, retryAfterMs: waited };
}

/** dns.lookup, refusing (unless private hosts are allowed) any answer holding an address webhooks must not reach. */
function guardedLookup(options: AttemptOptions): LookupFunction {
  const lookup = options.lookup ?? dns.lookup;
  return ((hostname: string, lookupOptions: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    lookup(hostname, { ...lookupOptions, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error);
      const forbidden = options.allowPrivate
        ? undefined
        : addresses.map((entry) => forbiddenAddressReason(entry.address)).find((reason) => reason !== null);
      if (forbidden) return callback(new ForbiddenAddressError(`${hostname} resolves to a ${forbidden}: refused`));
      if (lookupOptions.all) return callback(null, addresses);
      const [first] = addresses;
      if (!first) return callback(new Error(`${hostname} has no address`));
      return callback(null, first.address, first.family);
    });
  }) as LookupFunction;
}
