import { randomUUID } from 'node:crypto';
import { createWriteStream, promises as fs, type WriteStream } from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { ApiError } from './errors';

export interface ReceivedUpload {
  fields: Record<string, string>;
  /** Where the file was streamed to; the caller moves it into place or removes it. */
  file: { path: string; name: string; size: number };
}

/**
 * Uploads land here first: on the media file system (so placing one is a link, not a copy, even when `media/` is a
 * mount of its own), in a folder no video id can name (ids never start with a dot).
 */
export const uploadsDir = (dataDir: string) => path.join(dataDir, 'media', '.uploads');

/** Received files older than this were left by a process that stopped mid-upload. */
const ABANDONED_MS = 24 * 3600 * 1000;

/** Removes what an interrupted process left in the uploads folder; run at start. */
export async function sweepAbandonedUploads(dataDir: string): Promise<number> {
  const dir = uploadsDir(dataDir);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const file = path.join(dir, name);
    const stats = await fs.stat(file).catch(() => null);
    if (stats && Date.now() - stats.mtimeMs > ABANDONED_MS) {
      await fs.rm(file, { force: true });
      removed += 1;
    }
  }
  return removed;
}

/**
 * Streams a multipart/form-data upload to `DATA_DIR/uploads/` with a running size check: the file is never held in
 * memory, and the upload is refused (413) as soon as it passes `limitBytes`. Exactly one file field, named `file`.
 * Whatever goes wrong — too large, malformed, the client gone mid-stream — the partial file is removed before this
 * rejects.
 */
export async function receiveUpload(
  request: IncomingMessage,
  headers: IncomingHttpHeaders,
  options: { dataDir: string; limitBytes: number },
): Promise<ReceivedUpload> {
  // Refused before reading a byte when the client says up front that it is too large (form fields add a little).
  const declared = Number(headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > options.limitBytes + 64 * 1024) {
    throw new ApiError('PAYLOAD_TOO_LARGE', `The file must be at most ${options.limitBytes} bytes`);
  }
  await fs.mkdir(uploadsDir(options.dataDir), { recursive: true });
  const target = path.join(uploadsDir(options.dataDir), `${randomUUID()}.part`);
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers,
      limits: { files: 1, fileSize: options.limitBytes, fields: 10, fieldSize: 4096, parts: 12 },
    });
  } catch {
    throw new ApiError('INVALID_UPLOAD', 'The body is not valid multipart/form-data');
  }

  parser.on('error', () => undefined);
  const fields: Record<string, string> = {};
  // Filled in by the parser's callbacks.
  const got: {
    file: ReceivedUpload['file'] | null;
    written: Promise<void> | null;
    writer: WriteStream | null;
    failure: ApiError | null;
    stop: ((reason: Error) => void) | null;
  } = { file: null, written: null, writer: null, failure: null, stop: null };

  parser.on('field', (name, value, info) => {
    if (info.valueTruncated) got.failure ??= new ApiError('INVALID_UPLOAD', `The field ${name} is too long`);
    fields[name] = value;
  });
  parser.on('filesLimit', () => (got.failure ??= new ApiError('INVALID_UPLOAD', 'Send exactly one file')));
  parser.on('fieldsLimit', () => (got.failure ??= new ApiError('INVALID_UPLOAD', 'Too many form fields')));
  parser.on('file', (name, stream, info) => {
    // busboy destroys a part's stream with an error when the body ends or is cut off inside that part. Unheard, that
    // error would take the whole process down; the outcome is told by the parser and the pipeline instead.
    stream.on('error', () => undefined);
    if (name !== 'file' || got.written || got.failure) {
      // Refused already (a bad field before it): the video is not stored only to be thrown away.
      got.failure ??= new ApiError('INVALID_UPLOAD', 'Send the video in one form field named "file"');
      drainBriefly(stream, () => got.stop?.(got.failure ?? new Error('refused part')));
      return;
    }
    let size = 0;
    stream.on('data', (chunk: Buffer) => (size += chunk.length));
    stream.on('limit', () => {
      got.failure ??= new ApiError('PAYLOAD_TOO_LARGE', `The file must be at most ${options.limitBytes} bytes`);
      // Stop reading now rather than drain the rest of an oversized body.
      got.stop?.(got.failure);
    });
    got.writer = createWriteStream(target);
    got.written = pipeline(stream, got.writer).then(() => {
      got.file = { path: target, name: info.filename ?? '', size };
    });
    // Awaited on success only: when the upload fails first, this rejection must not go unhandled.
    got.written.catch(() => undefined);
  });

  try {
    await new Promise<void>((resolve, reject) => {
      got.stop = (reason) => {
        request.unpipe(parser);
        reject(reason);
      };
      parser.once('close', () => resolve());
      parser.once('error', reject);
      request.once('error', reject);
      // A client gone mid-upload: the parser is left waiting for the rest, so the request's own close says it.
      request.once('close', () => {
        if (!request.complete) reject(new Error('the client went away before the upload was complete'));
      });
      request.pipe(parser);
    });
    await got.written;
    if (got.failure) throw got.failure;
    if (!got.file) throw new ApiError('INVALID_UPLOAD', 'The upload has no file: send it in a form field named "file"');
    return { fields, file: got.file };
  } catch (error) {
    parser.destroy();
    got.writer?.destroy();
    await fs.rm(target, { force: true });
    if (error instanceof ApiError) throw error;
    // The client went away, or the body was not valid multipart.
    throw new ApiError('INVALID_UPLOAD', 'The upload was cut off or is not valid multipart/form-data', undefined, {
      cause: error,
    });
  }
}

/** How much of a part that is not the video is read before the upload is cut short: the answer is 400 either way. */
const REFUSED_PART_BYTES = 64 * 1024;

/**
 * Reads a refused part only as far as a small limit, then calls `stop`: a client that sends gigabytes in a field
 * that is not "file" is not read to the end.
 */
function drainBriefly(stream: NodeJS.ReadableStream, stop: () => void): void {
  let read = 0;
  const onData = (chunk: Buffer) => {
    read += chunk.length;
    if (read <= REFUSED_PART_BYTES) return;
    stream.removeListener('data', onData);
    stop();
  };
  stream.on('data', onData);
}
