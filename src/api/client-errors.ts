import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERROR_CATALOGUE, type ErrorCode } from './errors';
import type { ErrorEnvelope } from './models';

/**
 * Requests so malformed that Node's HTTP parser refuses them never reach the app; without this, Node answers them
 * with a bare 400 and no body. They get the one error envelope too, then the connection is closed.
 */
export function answerClientErrorsInEnvelope(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) return socket.destroy();
    const code: ErrorCode = error.code === 'HPE_HEADER_OVERFLOW' ? 'HEADERS_TOO_LARGE' : 'MALFORMED_REQUEST';
    const { status, message } = ERROR_CATALOGUE[code];
    const body: ErrorEnvelope = { error: { code, message, request_id: randomUUID() } };
    const text = JSON.stringify(body);
    socket.end(
      `HTTP/1.1 ${status} ${code === 'HEADERS_TOO_LARGE' ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
        `Connection: close\r\n\r\n${text}`,
    );
  });
}
