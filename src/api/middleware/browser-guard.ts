import net from 'node:net';
import type { Middleware } from 'koa';
import type { RequestState } from '../context';
import { ApiError } from '../errors';

/** Methods a web page may use to change something: refused from other sites. */
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `Sec-Fetch-Site` values that name a page of another origin (same-site is another port or subdomain). */
const FOREIGN_FETCH_SITES = new Set(['cross-site', 'same-site']);

/**
 * The host name a request names, lower-cased and without its port or a trailing dot; null when there is none.
 * `[::1]:8080` → `::1`.
 */
export function requestHostname(hostHeader: string | undefined): string | null {
  const host = (hostHeader ?? '').trim().toLowerCase();
  if (host === '') return null;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (bracketed) return bracketed[1]!;
  const name = host.replace(/:\d+$/, '').replace(/\.$/, '');
  return name === '' || name.includes(':') ? null : name;
}

/** Names that always mean this machine: a rebinding attacker cannot own them. */
function isLoopbackName(hostname: string): boolean {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
  if (net.isIPv4(hostname)) return hostname.startsWith('127.');
  return hostname === '::1';
}

/**
 * Without API keys the API trusts whoever reaches it, and a web page can reach a loopback port through DNS rebinding
 * (its own name, re-pointed at 127.0.0.1). Such a request still names the page's host, so a keyless API answers only
 * requests whose Host is loopback, the bound address, or one of `allowedHosts` (`.example.com` takes subdomains).
 * With keys the key decides, and any Host is served.
 */
export function requireServedHost(options: {
  apiKeys: readonly string[];
  bindHost: string;
  allowedHosts: readonly string[];
}): Middleware<RequestState> {
  const bound = requestHostname(options.bindHost.includes(':') ? `[${options.bindHost}]` : options.bindHost);
  const exact = new Set([...options.allowedHosts.filter((host) => !host.startsWith('.')), bound]);
  const suffixes = options.allowedHosts.filter((host) => host.startsWith('.'));
  const served = (hostname: string) =>
    isLoopbackName(hostname) || exact.has(hostname) || suffixes.some((suffix) => hostname.endsWith(suffix));
  return async (ctx, next) => {
    if (options.apiKeys.length === 0) {
      const hostname = requestHostname(ctx.req.headers.host);
      if (hostname === null || !served(hostname)) {
        throw new ApiError('HOST_NOT_ALLOWED', undefined, { host: (ctx.req.headers.host ?? '').slice(0, 256) });
      }
    }
    await next();
  };
}

/**
 * A page of another site can make a browser send a form POST (multipart included) or a DELETE it cannot read the
 * answer of; with keys in a cookie-less API that is harmless, but without keys it would start runs and upload
 * videos. So whatever the keys, a state-changing request is refused when its `Origin` is neither the API's own (the
 * dashboard and /docs are served from it) nor one of `allowedOrigins`, or, with no Origin, when `Sec-Fetch-Site` says
 * it comes from another site.
 */
export function refuseCrossSite(allowedOrigins: readonly string[]): Middleware<RequestState> {
  const allowed = new Set(allowedOrigins.map((origin) => origin.toLowerCase()));
  return async (ctx, next) => {
    if (STATE_CHANGING.has(ctx.method)) {
      const origin = ctx.get('Origin').trim().toLowerCase();
      const fetchSite = ctx.get('Sec-Fetch-Site').trim().toLowerCase();
      const refused =
        origin !== ''
          ? !allowed.has(origin) && !isSameOrigin(origin, ctx.req.headers.host)
          : FOREIGN_FETCH_SITES.has(fetchSite);
      if (refused) {
        throw new ApiError('CROSS_SITE_REQUEST', undefined, {
          ...(origin ? { origin: origin.slice(0, 256) } : { sec_fetch_site: fetchSite.slice(0, 64) }),
        });
      }
    }
    await next();
  };
}

/**
 * Whether a browser's Origin names the host and port the request was sent to; `null` (an opaque origin) never does.
 * Behind a TLS proxy the Host header carries no port while the Origin is https, so the scheme's default port counts.
 */
function isSameOrigin(origin: string, hostHeader: string | undefined): boolean {
  if (origin === 'null' || hostHeader === undefined) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  const host = hostHeader.trim().toLowerCase();
  const port = /:(\d+)$/.exec(host.replace(/^\[[^\]]*\]/, ''))?.[1];
  const schemePort = url.protocol === 'https:' ? '443' : '80';
  return (
    url.hostname.replace(/^\[|\]$/g, '') === requestHostname(host) && (port ?? schemePort) === (url.port || schemePort)
  );
}
