import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { answerClientErrorsInEnvelope } from '../../src/api/client-errors';
import { ErrorEnvelope } from '../../src/api/models';

/** Sends raw bytes and reads the whole answer. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(bytes));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('requests Node itself refuses', () => {
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end('app'));
    answerClientErrorsInEnvelope(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const envelopeOf = (answer: string) => ErrorEnvelope.parse(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)));

  it('answers malformed HTTP with 400 MALFORMED_REQUEST in the envelope', async () => {
    const answer = await raw(port, 'NOT HTTP AT ALL\r\n\r\n');
    expect(answer.startsWith('HTTP/1.1 400')).toBe(true);
    expect(envelopeOf(answer).error.code).toBe('MALFORMED_REQUEST');
  });

  it('answers oversized headers with 431 HEADERS_TOO_LARGE in the envelope', async () => {
    const answer = await raw(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    expect(answer.startsWith('HTTP/1.1 431')).toBe(true);
    expect(envelopeOf(answer).error.code).toBe('HEADERS_TOO_LARGE');
  });
});
