/** One media segment of a rendition: its index in the ladder's numbering, its length and its file name. */
export interface HlsSegment {
  index: number;
  seconds: number;
  uri: string;
}

/** The name ffmpeg gives segment `index` of a rendition (`-hls_segment_filename …/segment_%04d.ts`). */
export function segmentFileName(index: number): string {
  return `segment_${String(index).padStart(4, '0')}.ts`;
}

const SEGMENT_NAME = /^segment_(\d{4,})\.ts$/;

/**
 * The segments a media playlist lists, in order. ffmpeg writes an EVENT playlist after each segment it has closed,
 * through a temporary file and a rename, so a segment listed here is whole on disk. Lines that are not ours (other
 * tags, foreign URIs, broken durations) are skipped, never thrown on: a playlist cut short by a crash is still read.
 */
export function listedSegments(playlist: string): HlsSegment[] {
  return parseMediaPlaylist(playlist).segments;
}

/**
 * The segments a later attempt may keep from a playlist. An ended playlist (`#EXT-X-ENDLIST`) comes from an ffmpeg
 * that stopped on its own terms: at the end, or on SIGTERM, when it closes the segment it was writing early — so
 * its last segment is never kept. Nor is any segment shorter than a full one less half a second: only a last or a
 * cut segment is, and resuming after it would misplace everything that follows.
 */
export function keepableSegments(playlist: string, segmentSeconds: number): HlsSegment[] {
  const { segments, ended } = parseMediaPlaylist(playlist);
  const whole = ended ? segments.slice(0, -1) : segments;
  const short = whole.findIndex((segment) => segment.seconds < segmentSeconds - 0.5);
  return short === -1 ? whole : whole.slice(0, short);
}

function parseMediaPlaylist(playlist: string): { segments: HlsSegment[]; ended: boolean } {
  const segments: HlsSegment[] = [];
  let ended = false;
  let seconds: number | null = null;
  for (const raw of playlist.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '#EXT-X-ENDLIST') ended = true;
    if (line.startsWith('#EXTINF:')) {
      const value = Number.parseFloat(line.slice('#EXTINF:'.length));
      seconds = Number.isFinite(value) && value >= 0 ? value : null;
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const match = SEGMENT_NAME.exec(line);
    const index = match?.[1] === undefined ? NaN : Number.parseInt(match[1], 10);
    // Only the names ffmpeg gives (no second spelling of one index), with a length.
    if (segmentFileName(index) === line && seconds !== null) segments.push({ index, seconds, uri: line });
    seconds = null;
  }
  return { segments, ended };
}

/**
 * Segments 0, 1, 2, … taken from several listings (the earlier attempts' kept prefix, then the last attempt's own
 * playlist), stopping at the first gap: only an unbroken run from the start can be resumed after.
 */
export function contiguousFromStart(...listings: readonly HlsSegment[][]): HlsSegment[] {
  return contiguousFrom(0, ...listings);
}

/** Segments `first`, `first + 1`, … (a chunk's) taken from several listings, stopping at the first gap. */
export function contiguousFrom(first: number, ...listings: readonly HlsSegment[][]): HlsSegment[] {
  const byIndex = new Map<number, HlsSegment>();
  for (const listing of listings) for (const segment of listing) byIndex.set(segment.index, segment);
  const run: HlsSegment[] = [];
  for (let index = first; ; index += 1) {
    const segment = byIndex.get(index);
    if (segment === undefined) return run;
    run.push(segment);
  }
}

/**
 * The rendition's final playlist: a VOD playlist of every segment from 0, whichever attempt made it. Segment
 * boundaries are forced on the same clock in every attempt, so the result is the playlist one uninterrupted encode
 * writes. TARGETDURATION follows the HLS rule: every EXTINF, rounded, at most the target.
 */
export function formatVodPlaylist(segments: readonly HlsSegment[]): string {
  const longest = segments.reduce((max, segment) => Math.max(max, segment.seconds), 0);
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:6',
    `#EXT-X-TARGETDURATION:${Math.max(1, Math.round(longest))}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-INDEPENDENT-SEGMENTS',
  ];
  for (const segment of segments) lines.push(`#EXTINF:${segment.seconds.toFixed(6)},`, segment.uri);
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}

/** The kept prefix of a resumed rendition, in playlist form so one reader serves both files. */
export function formatPrefix(segments: readonly HlsSegment[]): string {
  return ['#EXTM3U', ...segments.flatMap((s) => [`#EXTINF:${s.seconds.toFixed(6)},`, s.uri]), ''].join('\n');
}

/**
 * The segments, from the first listed (0, or a chunk's first), that start and end where the frame grid says
 * (`startOf(i)`, within `tolerance` seconds).
 * A resumed encode starts segment `k` at `startOf(k)`; a source whose segments do not follow that clock (a slideshow
 * slower than one frame per segment, video that starts late) is not kept past the first one that strays.
 */
export function onTheClock(
  segments: readonly HlsSegment[],
  startOf: (index: number) => number,
  tolerance: number,
): HlsSegment[] {
  const kept: HlsSegment[] = [];
  let at = segments[0] === undefined ? 0 : startOf(segments[0].index);
  for (const segment of segments) {
    const end = at + segment.seconds;
    if (Math.abs(at - startOf(segment.index)) > tolerance || Math.abs(end - startOf(segment.index + 1)) > tolerance) {
      break;
    }
    kept.push(segment);
    at = end;
  }
  return kept;
}

/**
 * Where a resumed encode may start, in segments: the fewest whole segments any rendition has (all renditions come
 * out of one ffmpeg), but never so late that less than a second of media is left to encode — the resumed ffmpeg
 * must have frames to write, and the closing playlist is its to write.
 */
export function resumeSegment(
  keptPerRendition: readonly number[],
  durationSeconds: number,
  segmentSeconds: number,
): number {
  if (keptPerRendition.length === 0) return 0;
  const kept = Math.min(...keptPerRendition);
  const latest = Math.max(0, Math.floor((durationSeconds - 1) / segmentSeconds));
  return Math.max(0, Math.min(kept, latest));
}

const TS_PACKET_BYTES = 188;
const TS_SYNC_BYTE = 0x47;

/** Where the last packet of an MPEG-TS file of `size` bytes starts, to read its first byte. */
export function lastPacketOffset(size: number): number {
  return size - TS_PACKET_BYTES;
}

/**
 * Whether a segment file is shaped like a whole MPEG-TS: a non-zero multiple of 188-byte packets whose first and
 * last packets open with the sync byte. A file cut mid-write (a crash without the playlist's word) fails this.
 */
export function looksLikeWholeTransportStream(size: number, firstByte: number, lastPacketFirstByte: number): boolean {
  return size > 0 && size % TS_PACKET_BYTES === 0 && firstByte === TS_SYNC_BYTE && lastPacketFirstByte === TS_SYNC_BYTE;
}
