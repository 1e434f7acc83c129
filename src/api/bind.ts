import net from 'node:net';

/** Thrown at start when the API would be reachable from other machines with no key to guard it. */
export class UnsafeBindError extends Error {
  override readonly name = 'UnsafeBindError';
  constructor(readonly host: string) {
    super(
      `Refusing to listen on ${host} without API keys: anyone who can reach it could start and cancel runs. ` +
        'Set API_KEYS=<key>[,<key>…] or bind to loopback (HOST=127.0.0.1).',
    );
  }
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  const bare = host.replace(/^\[|\]$/g, '');
  if (net.isIPv4(bare)) return bare.startsWith('127.');
  if (net.isIPv6(bare)) return bare === '::1' || /^::ffff:127\./i.test(bare);
  return false;
}

/** Refuses a bind beyond loopback without keys; says which mode the API runs in otherwise. */
export function checkBind(host: string, apiKeys: readonly string[]): { open: boolean; notice: string } {
  if (apiKeys.length > 0) return { open: false, notice: `API keys required on every route but /healthz` };
  if (!isLoopback(host)) throw new UnsafeBindError(host);
  return { open: true, notice: `API_KEYS is not set: no key required, so the API listens on loopback (${host}) only` };
}
