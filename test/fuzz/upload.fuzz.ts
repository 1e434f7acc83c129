import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import { ErrorEnvelope, VideoPage } from '../../src/api/models';
import { eventually } from '../helpers/gate';
import { makeClip, makeDataDir } from '../helpers/media';
import { freePort } from '../helpers/ports';
import { startEntrypoint, stopProcess } from '../helpers/processes';
import { startDevServer } from '../helpers/temporal';

/** Multipart requests in all, sent in batches; after each batch the API must be alive and have kept nothing stray. */
const BATCHES = 40;
const PER_BATCH = 50;
const CONCURRENCY = 10;
/** Small, so the fuzzer reaches the size limit with bodies it can afford to send. */
const MAX_UPLOAD_BYTES = 256 * 1024;

type Delivery = 'whole' | 'abort' | 'slow' | 'slow-abort';

interface Part {
  name: string;
  filename: string | null;
  contentType: string | null;
  body: 'clip' | 'small' | 'large' | 'oversize' | 'value';
  value: string;
}

interface UploadSpec {
  boundary: string;
  /** How the Content-Type names the boundary. */
  header: 'plain' | 'quoted' | 'none' | 'other';
  parts: Part[];
  ending: 'closed' | 'unclosed' | 'cut';
  /** Where a `cut` body stops, as a fraction of its length. */
  cutAt: number;
  delivery: Delivery;
  /** Chunked instead of a Content-Length. */
  chunked: boolean;
}

const token = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
const printable = fc.string({ maxLength: 40 }).filter((value) => /^[\x20-\x7e]*$/.test(value));

const part: fc.Arbitrary<Part> = fc.record({
  name: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('file', 'id', 'title', 'process') },
    { weight: 2, arbitrary: token },
    { weight: 1, arbitrary: printable.map((value) => value.replace(/["\\]/g, '')) },
  ),
  filename: fc.oneof(
    { weight: 3, arbitrary: fc.constant(null) },
    { weight: 3, arbitrary: fc.constantFrom('clip.mp4', 'a', 'video.MOV', '../../etc/passwd', '.hidden') },
    { weight: 1, arbitrary: fc.integer({ min: 200, max: 4000 }).map((size) => 'n'.repeat(size)) },
    { weight: 1, arbitrary: printable.map((value) => value.replace(/["\\]/g, '')) },
  ),
  contentType: fc.constantFrom(null, 'video/mp4', 'application/octet-stream', 'text/plain'),
  body: fc.oneof(
    { weight: 4, arbitrary: fc.constant<Part['body']>('clip') },
    { weight: 4, arbitrary: fc.constant<Part['body']>('value') },
    { weight: 3, arbitrary: fc.constant<Part['body']>('small') },
    { weight: 1, arbitrary: fc.constant<Part['body']>('large') },
    { weight: 1, arbitrary: fc.constant<Part['body']>('oversize') },
  ),
  value: fc.oneof(
    fc.constantFrom('true', 'false', 'maybe', ''),
    fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,20}$/),
    printable,
  ),
});

const upload: fc.Arbitrary<UploadSpec> = fc.record({
  boundary: fc.oneof(
    { weight: 5, arbitrary: fc.stringMatching(/^[A-Za-z0-9'()+_,./:=?-]{1,70}$/) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', 'a'.repeat(200), 'x y') },
  ),
  header: fc.constantFrom('plain', 'plain', 'plain', 'quoted', 'none', 'other'),
  parts: fc.array(part, { minLength: 0, maxLength: 5 }),
  ending: fc.constantFrom('closed', 'closed', 'unclosed', 'cut', 'cut'),
  cutAt: fc.double({ min: 0, max: 1, noNaN: true }),
  delivery: fc.constantFrom<Delivery>('whole', 'whole', 'whole', 'abort', 'slow', 'slow-abort'),
  chunked: fc.boolean(),
});

/** A well-formed upload of a real clip, then sent or cut off in any way: the case where a video may be kept. */
const wellFormed: fc.Arbitrary<UploadSpec> = fc
  .record({
    id: fc.option(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,11}$/), { nil: undefined }),
    title: fc.option(printable, { nil: undefined }),
    process: fc.option(fc.constantFrom('true', 'false'), { nil: undefined }),
    filename: fc.constantFrom('clip.mp4', 'holiday.mov', 'n'.repeat(600)),
    ending: fc.constantFrom<UploadSpec['ending']>('closed', 'closed', 'closed', 'cut'),
    cutAt: fc.double({ min: 0, max: 1, noNaN: true }),
    delivery: fc.constantFrom<Delivery>('whole', 'whole', 'slow', 'abort', 'slow-abort'),
    chunked: fc.boolean(),
  })
  .map(({ id, title, process, filename, ...rest }) => {
    const field = (name: string, value: string): Part => ({
      name,
      filename: null,
      contentType: null,
      body: 'value',
      value,
    });
    const parts: Part[] = [];
    if (id !== undefined) parts.push(field('id', id));
    if (title !== undefined) parts.push(field('title', title));
    if (process !== undefined) parts.push(field('process', process));
    parts.push({ name: 'file', filename, contentType: 'video/mp4', body: 'clip', value: '' });
    return { boundary: `----fuzz${randomUUID()}`, header: 'plain' as const, parts, ...rest };
  });

describe('fuzz: multipart uploads against the API process', () => {
  let env: TestWorkflowEnvironment;
  let api: ReturnType<typeof startEntrypoint>;
  let port: number;
  let dataDir: string;
  let cleanup: () => Promise<void>;
  let clip: Buffer;

  beforeAll(async () => {
    env = await startDevServer();
    ({ dataDir, cleanup } = await makeDataDir());
    clip = await fs.readFile(
      await makeClip(path.join(dataDir, '..', `fuzz-clip-${randomUUID()}.mp4`), { seconds: 1, width: 96, height: 64 }),
    );
    port = await freePort();
    api = startEntrypoint('src/api/server.ts', {
      DATA_DIR: dataDir,
      PORT: String(port),
      TEMPORAL_ADDRESS: env.address,
      // No worker polls it: runs an accepted upload starts stay queued.
      TASK_QUEUE: `upload-fuzz-${randomUUID()}`,
      MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
    });
    await eventually(async () => ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok ? true : undefined), 30_000);
  });

  afterAll(async () => {
    await stopProcess(api);
    await env.teardown();
    await cleanup();
  });

  function bodyOf(spec: UploadSpec): Buffer {
    const chunks: Buffer[] = [];
    for (const item of spec.parts) {
      let disposition = `form-data; name="${item.name}"`;
      if (item.filename !== null) disposition += `; filename="${item.filename}"`;
      let head = `--${spec.boundary}\r\nContent-Disposition: ${disposition}\r\n`;
      if (item.contentType) head += `Content-Type: ${item.contentType}\r\n`;
      chunks.push(Buffer.from(`${head}\r\n`, 'latin1'));
      const content = {
        clip,
        value: Buffer.from(item.value),
        small: Buffer.alloc(1 + (item.value.length % 64), 0x61),
        large: Buffer.alloc(100 * 1024, 0x62),
        oversize: Buffer.alloc(MAX_UPLOAD_BYTES + 4096, 0x63),
      }[item.body];
      chunks.push(content, Buffer.from('\r\n'));
    }
    if (spec.ending !== 'unclosed') chunks.push(Buffer.from(`--${spec.boundary}--\r\n`, 'latin1'));
    const whole = Buffer.concat(chunks);
    return spec.ending === 'cut' ? whole.subarray(0, Math.floor(whole.length * spec.cutAt)) : whole;
  }

  function contentType(spec: UploadSpec): string {
    if (spec.header === 'none') return 'multipart/form-data';
    if (spec.header === 'other') return `multipart/form-data; boundary=not-${spec.boundary}`;
    return `multipart/form-data; boundary=${spec.header === 'quoted' ? `"${spec.boundary}"` : spec.boundary}`;
  }

  /** Sends one upload on its own socket: the status answered, or null for a client that went away first. */
  function send(spec: UploadSpec): Promise<{ status: number; body: string } | null> {
    const body = bodyOf(spec);
    const aborting = spec.delivery === 'abort' || spec.delivery === 'slow-abort';
    // A client that aborts says it will send more than it does, as one cut off by the network would.
    const length = aborting ? body.length + 1 + (body.length % 1000) : body.length;
    const head =
      `POST /api/v1/videos HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: ${contentType(spec)}\r\n` +
      (spec.chunked && !aborting ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${length}\r\n`) +
      'Connection: close\r\n\r\n';
    const framed = spec.chunked && !aborting ? chunkedFrame(body) : body;
    const pieces = spec.delivery.startsWith('slow') ? split(framed, 4) : [framed];
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      let answer = '';
      socket.setTimeout(30_000, () => socket.destroy(new Error('no answer within 30 s')));
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
      socket.on('error', (error: NodeJS.ErrnoException) => {
        // The server may close a refused upload's socket while the rest of the body is still being sent.
        if (error.code === 'EPIPE' || error.code === 'ECONNRESET') return;
        reject(error);
      });
      socket.on('close', () => {
        const match = /^HTTP\/1\.1 (\d{3})/.exec(answer);
        if (match) resolve({ status: Number(match[1]), body: answer.slice(answer.indexOf('\r\n\r\n') + 4) });
        else if (aborting) resolve(null);
        else
          reject(
            new Error(
              `no HTTP answer to ${JSON.stringify({ ...spec, parts: spec.parts.map((p) => ({ ...p, filename: p.filename?.slice(0, 20) })) })}: ${JSON.stringify(answer.slice(0, 200))}`,
            ),
          );
      });
      socket.once('connect', () => {
        void (async () => {
          socket.write(head);
          for (const piece of pieces) {
            if (socket.destroyed) return;
            socket.write(piece);
            if (pieces.length > 1) await new Promise((done) => setTimeout(done, 20 + (piece.length % 40)));
          }
          if (aborting) setTimeout(() => socket.destroy(), 30);
        })();
      });
    });
  }

  /** Every video the catalog lists, all pages. */
  async function listedIds(): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const query = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/videos?limit=100${query}`);
      const page = VideoPage.parse(await response.json());
      ids.push(...page.items.map((item) => item.id));
      cursor = page.next_cursor;
    } while (cursor);
    return ids.sort();
  }

  it(`survives ${BATCHES * PER_BATCH} fuzzed multipart uploads: alive after every batch, nothing stray kept`, async () => {
    const seed = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31);
    const specs = fc.sample(fc.oneof({ weight: 1, arbitrary: wellFormed }, { weight: 3, arbitrary: upload }), {
      numRuns: BATCHES * PER_BATCH,
      seed,
    });
    const accepted = new Set<string>();
    const statuses = new Map<string, number>();
    for (let batch = 0; batch < BATCHES; batch += 1) {
      const mine = specs.slice(batch * PER_BATCH, (batch + 1) * PER_BATCH);
      const queue = [...mine];
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          for (let spec = queue.shift(); spec; spec = queue.shift()) {
            const answer = await send(spec);
            const key = answer ? String(answer.status) : 'aborted';
            statuses.set(key, (statuses.get(key) ?? 0) + 1);
            if (!answer) continue;
            const context = `seed ${seed}, batch ${batch}: ${answer.status} ${answer.body.slice(0, 300)}`;
            if (answer.status >= 500) throw new Error(`5xx for an upload (${context})`);
            if (answer.status === 201) {
              accepted.add((JSON.parse(answer.body) as { id: string }).id);
            } else if (!ErrorEnvelope.safeParse(JSON.parse(answer.body)).success) {
              throw new Error(`not the envelope (${context})`);
            }
          }
        }),
      );

      // After every batch: the process is alive and answers, and nothing but accepted videos is kept.
      expect(api.exitCode).toBeNull();
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      await eventually(async () => {
        const left = await fs.readdir(path.join(dataDir, 'media', '.uploads')).catch(() => []);
        return left.length === 0 ? true : undefined;
      }, 10_000);
      const folders = (await fs.readdir(path.join(dataDir, 'media'))).filter((name) => name !== '.uploads').sort();
      expect(folders).toEqual([...accepted].sort());
      expect(await listedIds()).toEqual([...accepted].sort());
    }
    console.log(
      `multipart fuzz (seed ${seed}): ${specs.length} uploads; answers ` +
        JSON.stringify(Object.fromEntries([...statuses].sort())) +
        `; ${accepted.size} videos accepted; the API process stayed up`,
    );
    expect(api.exitCode).toBeNull();
  });
});

function chunkedFrame(body: Buffer): Buffer {
  const pieces = split(body, 3).filter((piece) => piece.length > 0);
  const framed = pieces.flatMap((piece) => [
    Buffer.from(`${piece.length.toString(16)}\r\n`),
    piece,
    Buffer.from('\r\n'),
  ]);
  return Buffer.concat([...framed, Buffer.from('0\r\n\r\n')]);
}

function split(buffer: Buffer, count: number): Buffer[] {
  const size = Math.ceil(buffer.length / count) || 1;
  const pieces: Buffer[] = [];
  for (let start = 0; start < buffer.length; start += size) pieces.push(buffer.subarray(start, start + size));
  return pieces.length > 0 ? pieces : [buffer];
}
