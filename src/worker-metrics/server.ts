import http from 'node:http';
import net from 'node:net';
import type { Registry } from 'prom-client';

/**
 * One `/metrics` for a worker: ours from the registry, then the SDK's (task slots, schedule-to-start latency, poll
 * results), which its Runtime serves on a loopback port of its own; they are read and appended, so a scraper needs
 * one target per worker. When the SDK's are unreachable ours are still served.
 */
export function serveWorkerMetrics(options: {
  registry: Registry;
  sdkMetricsUrl: string | null;
  host: string;
  port: number;
}): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    void (async () => {
      const ours = await options.registry.metrics();
      const sdk = options.sdkMetricsUrl ? await readSdkMetrics(options.sdkMetricsUrl) : '';
      response.writeHead(200, { 'content-type': options.registry.contentType }).end(`${ours}\n${sdk}`);
    })().catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

async function readSdkMetrics(url: string): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? await response.text() : '';
  } catch {
    return '';
  }
}

/** A loopback port free now, for the SDK's own exporter (which needs a fixed address before it starts). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
