import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Context } from 'koa';

/** How long, and how much, the rest of a refused body is read after the answer, before the connection is dropped. */
const LINGER_MS = 2_000;
const LINGER_BYTES = 8 * 1024 * 1024;

/**
 * For an answer given before the request's body was read to its end (an upload refused as too large, a part refused
 * early): the connection closes after it, but not at once. Node would destroy the socket as soon as the answer is
 * written, while the client is still sending; the kernel then resets the connection, and a client that has not read
 * the answer yet loses it and sees "connection reset" instead of the 413. So the rest is read and dropped for a
 * moment (a lingering close, as nginx does), bounded in time and bytes: the body is still never read to its end.
 */
export function closeAfterAnswer(ctx: Context): void {
  const request: IncomingMessage = ctx.req;
  if (request.complete) return;
  ctx.set('Connection', 'close');
  const socket: Socket = request.socket;
  let read = 0;
  let lingering = false;
  const drop = () => socket.destroy();
  // Node's HTTP parser reads the socket itself: what still arrives is counted as the request's body.
  request.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (lingering && read > LINGER_BYTES) drop();
  });
  request.once('end', () => {
    if (lingering) drop();
  });
  socket.destroySoon = function lingeringClose(this: Socket) {
    lingering = true;
    this.end();
    if (request.complete || read > LINGER_BYTES) return void drop();
    const timer = setTimeout(drop, LINGER_MS);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
  };
  // What the body's readers left unread flows on to nowhere, so the client's writes are not blocked meanwhile.
  request.unpipe();
  request.resume();
}
