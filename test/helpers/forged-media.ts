import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { makeSceneClip } from './media';

const execFileAsync = promisify(execFile);

/** EBML ids of the Matroska elements patched here. */
const SEGMENT_INFO = Buffer.from([0x15, 0x49, 0xa9, 0x66]);
const TIMESTAMP_SCALE = Buffer.from([0x2a, 0xd7, 0xb1]);
const DURATION = Buffer.from([0x44, 0x89]);

/**
 * A Matroska file that holds `seconds` of 160x120 video and audio but whose Segment Info declares `declaredSeconds`:
 * the Duration element (a float in TimestampScale units, ms unless the file says otherwise) is rewritten in place.
 * ffprobe then reports the declared duration, while decoding runs through all of it.
 */
export async function makeOverlongMatroska(
  file: string,
  options: { seconds: number; declaredSeconds: number },
): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await execFileAsync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=160x120:rate=25',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=48000',
    '-t',
    String(options.seconds),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-shortest',
    '-f',
    'matroska',
    file,
  ]);
  const bytes = await fs.readFile(file);
  const info = bytes.indexOf(SEGMENT_INFO);
  if (info < 0) throw new Error(`${file}: no Segment Info element`);
  const duration = bytes.indexOf(DURATION, info);
  if (duration < 0) throw new Error(`${file}: no Duration element in Segment Info`);
  const units = (options.declaredSeconds * 1e9) / timestampScale(bytes, info);
  const size = bytes[duration + 2];
  if (size === 0x88) bytes.writeDoubleBE(units, duration + 3);
  else if (size === 0x84) bytes.writeFloatBE(units, duration + 3);
  else throw new Error(`${file}: Duration has an unexpected size byte 0x${size?.toString(16)}`);
  await fs.writeFile(file, bytes);
  return file;
}

/** Nanoseconds per Duration unit: the Segment Info's TimestampScale, or Matroska's default of 1 ms. */
function timestampScale(bytes: Buffer, info: number): number {
  const at = bytes.indexOf(TIMESTAMP_SCALE, info);
  if (at < 0 || at > info + 64) return 1_000_000;
  const length = (bytes[at + 3] ?? 0) & 0x0f;
  return bytes.readUIntBE(at + 4, length);
}

/**
 * makeSceneClip's clip (cuts at every multiple of `segmentSeconds`) remuxed into Matroska with tags that forge cuts:
 * `tags` as they are, and one tag whose *name* is `forgedTagName` — which may hold newlines. ffmpeg's Matroska
 * muxer writes names upper-cased with `_` for spaces, so the name is written mangled and restored in place.
 */
export async function makeTaggedSceneClip(
  file: string,
  options: { segmentSeconds: number; tags: Record<string, string>; forgedTagName: string },
): Promise<string> {
  const plain = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'reprocess-scenes-')), 'plain.mp4');
  try {
    await makeSceneClip(plain, { segmentSeconds: options.segmentSeconds, width: 320, height: 240 });
    const metadata = Object.entries({ ...options.tags, [options.forgedTagName]: 'v' }).flatMap(([key, value]) => [
      '-metadata',
      `${key}=${value}`,
    ]);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await execFileAsync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-i',
      plain,
      '-c',
      'copy',
      ...metadata,
      '-f',
      'matroska',
      file,
    ]);
  } finally {
    await fs.rm(path.dirname(plain), { recursive: true, force: true });
  }
  const bytes = await fs.readFile(file);
  const wanted = Buffer.from(options.forgedTagName);
  const mangled = Buffer.from(options.forgedTagName.toUpperCase().replaceAll(' ', '_'));
  const at = bytes.indexOf(mangled);
  if (at < 0) throw new Error(`${file}: the muxer did not write the tag name as expected`);
  wanted.copy(bytes, at);
  await fs.writeFile(file, bytes);
  return file;
}
