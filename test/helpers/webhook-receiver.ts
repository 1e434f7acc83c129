import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  path: string;
  id: string;
  body: string;
  /** What standardwebhooks' own Webhook.verify made of it; null when it refused the signature. */
  verified: unknown;
}

/**
 * A webhook receiver on loopback, as a customer would run one: it verifies every delivery with `standardwebhooks`
 * (not with reprocess's code) and answers each path as the test says: a list of statuses, one per delivery, the
 * last repeated; `hang` never answers.
 */
export async function startReceiver(secret: string, answers: Record<string, (number | 'hang')[]>) {
  const received: Received[] = [];
  const verifier = new Webhook(secret);
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const path = (request.url ?? '/').split('?')[0]!;
      let verified: unknown = null;
      try {
        verified = verifier.verify(body, request.headers as Record<string, string>);
      } catch {
        verified = null;
      }
      const seen = received.filter((r) => r.path === path).length;
      received.push({ path, id: String(request.headers['webhook-id']), body, verified });
      const plan = answers[path] ?? [204];
      const answer = plan[Math.min(seen, plan.length - 1)]!;
      if (answer === 'hang') return;
      if (answer >= 300 && answer < 400) response.writeHead(answer, { location: '/ok' }).end();
      else response.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    received,
    at: (path: string) => received.filter((r) => r.path === path),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
