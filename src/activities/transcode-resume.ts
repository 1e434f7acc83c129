import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  contiguousFrom,
  formatPrefix,
  formatVodPlaylist,
  keepableSegments,
  lastPacketOffset,
  listedSegments,
  looksLikeWholeTransportStream,
  type HlsSegment,
} from '../media/hls-playlist';
import { HLS_SEGMENT_SECONDS, type Rendition } from '../media/ladder';
import { writeAtomically } from './files';

/**
 * What a transcode attempt leaves in its heartbeat details for the next one: how many segments every rendition has
 * whole on disk, and where earlier attempts resumed (reported in the step's outcome).
 */
export interface TranscodeCheckpoint {
  segments: number;
  resumes: TranscodeResume[];
}

export interface TranscodeResume {
  attempt: number;
  segment: number;
  seconds: number;
}

/** ffmpeg's own playlist, rewritten after every segment it closes; at the end, the final VOD playlist. */
const PLAYLIST = 'playlist.m3u8';
/** Segments earlier attempts finished, kept while a resumed ffmpeg writes its own playlist from the resume point. */
const KEPT = 'kept.m3u8';

export function checkpointFrom(details: unknown): TranscodeCheckpoint | null {
  const resume = (details as { resume?: Partial<TranscodeCheckpoint> } | undefined)?.resume;
  if (typeof resume?.segments !== 'number' || !Array.isArray(resume.resumes)) return null;
  return { segments: resume.segments, resumes: resume.resumes };
}

/**
 * Segments a retry could keep by what the rendition's playlists say, unbroken from 0: cheap enough to read every
 * second while the encode runs.
 */
export async function listedWhole(renditionDir: string, first = 0): Promise<HlsSegment[]> {
  return contiguousFrom(
    first,
    ...(await Promise.all([KEPT, PLAYLIST].map((name) => readListing(renditionDir, name, keepable)))),
  );
}

/**
 * The segments a retry may keep: listed, unbroken from 0, and each file still there and shaped like a whole MPEG-TS
 * (a multiple of 188-byte packets, each opening with the sync byte). A file that fails ends the kept run there.
 */
export async function verifiedOnDisk(renditionDir: string, first = 0): Promise<HlsSegment[]> {
  const kept: HlsSegment[] = [];
  for (const segment of await listedWhole(renditionDir, first)) {
    if (!(await looksWhole(path.join(renditionDir, segment.uri)))) break;
    kept.push(segment);
  }
  return kept;
}

/** Makes a rendition's folder ready for an encode from `start`: empty for a fresh one, the kept prefix otherwise. */
export async function prepareRendition(
  renditionDir: string,
  kept: readonly HlsSegment[],
  start: number,
  first = 0,
): Promise<void> {
  if (start === first) {
    await fs.rm(renditionDir, { recursive: true, force: true });
    await fs.mkdir(renditionDir, { recursive: true });
    return;
  }
  // The prefix first, then the old playlist away: a crash in between still leaves every kept segment listed.
  await writeAtomically(path.join(renditionDir, KEPT), formatPrefix(kept.slice(0, start - first)));
  await fs.rm(path.join(renditionDir, PLAYLIST), { force: true });
}

/**
 * Writes a rendition's final VOD playlist from the kept prefix and the last attempt's own playlist, and removes what
 * no playlist names (segments past the end of a longer killed attempt, the kept listing). Returns the segment count.
 */
export async function finishRendition(renditionDir: string, rendition: Rendition, first = 0): Promise<number> {
  const last = await readListing(renditionDir, PLAYLIST, listedSegments);
  const segments = contiguousFrom(first, await readListing(renditionDir, KEPT, listedSegments), last);
  const lastIndex = last.at(-1)?.index;
  if (lastIndex === undefined || segments.length !== lastIndex + 1 - first) {
    throw new Error(
      `rendition ${rendition.name}: the segments do not follow each other from ${first} (a gap after ${segments.length})`,
    );
  }
  await writeAtomically(path.join(renditionDir, PLAYLIST), formatVodPlaylist(segments));
  const named = new Set([PLAYLIST, ...segments.map((segment) => segment.uri)]);
  for (const file of await fs.readdir(renditionDir)) {
    if (!named.has(file)) await fs.rm(path.join(renditionDir, file), { force: true });
  }
  return segments.length;
}

function keepable(playlist: string): HlsSegment[] {
  return keepableSegments(playlist, HLS_SEGMENT_SECONDS);
}

async function readListing(dir: string, name: string, read: (playlist: string) => HlsSegment[]): Promise<HlsSegment[]> {
  try {
    return read(await fs.readFile(path.join(dir, name), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function looksWhole(file: string): Promise<boolean> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, 'r');
    const { size } = await handle.stat();
    if (size === 0) return false;
    const first = Buffer.alloc(1);
    const last = Buffer.alloc(1);
    await handle.read(first, 0, 1, 0);
    await handle.read(last, 0, 1, Math.max(0, lastPacketOffset(size)));
    return looksLikeWholeTransportStream(size, first[0] ?? -1, last[0] ?? -1);
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}
