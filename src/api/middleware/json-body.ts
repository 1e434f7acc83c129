import type { Context } from 'koa';
import { ApiError } from '../errors';

/**
 * Reads an optional JSON body: none at all means `{}`; anything else must be application/json, at most `limitBytes`,
 * and parse. Streams with a running count, so an oversized body is refused without being held in memory.
 */
export async function readJsonBody(ctx: Context, limitBytes: number): Promise<unknown> {
  const length = ctx.request.length;
  const chunked = ctx.get('Transfer-Encoding') !== '';
  if (!chunked && (length === undefined || length === 0)) return {};
  if (!ctx.is('application/json')) throw new ApiError('UNSUPPORTED_MEDIA_TYPE');
  if (length !== undefined && length > limitBytes) throw tooLarge(limitBytes);

  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received > limitBytes) throw tooLarge(limitBytes);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError('INVALID_REQUEST', 'The request body is not valid JSON');
  }
}

function tooLarge(limitBytes: number): ApiError {
  return new ApiError('PAYLOAD_TOO_LARGE', `The request body must be at most ${limitBytes} bytes`);
}
