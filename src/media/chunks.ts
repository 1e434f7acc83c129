import { outputFrameRate, segmentStartSeconds } from './hls';
import { HLS_SEGMENT_SECONDS } from './ladder';

/**
 * One chunk of the ladder: segments `first` up to (not including) `end` of every rendition, encoded by one ffmpeg on
 * whichever worker takes it. `end` is null for the last chunk, which reads to the end of the source as an unchunked
 * encode does, so the video's last (short) segment comes out the same.
 */
export interface Chunk {
  index: number;
  first: number;
  end: number | null;
  /** Where the chunk starts in the video: its first segment's first frame. */
  startSeconds: number;
  /** Seconds of the video the chunk covers: its weight in the transcode's progress. */
  seconds: number;
}

/** Fewer segments than this and a chunk's fixed cost (ffmpeg start, the encoder's lookahead) is not worth paying. */
export const MIN_CHUNK_SEGMENTS = 4;
/**
 * No chunk longer than 5 minutes of video, so a retry after a crash re-encodes at most that much — unless the cap on
 * chunks needs longer ones (a video over 4 hours: a 6-hour one has chunks of 113 segments, 7.5 minutes).
 */
export const MAX_CHUNK_SEGMENTS = 75;
/**
 * At most this many chunks, whatever the length: each costs a handful of history events (its activity, the task
 * that hears its result), and a 6-hour video must stay far below 1,000 (the test prints the count).
 */
export const MAX_CHUNKS = 48;

/**
 * Splits a video's ladder into chunks: twice as many as the deployment can encode at once (so that a fast worker
 * takes another while a slow one finishes, and the side steps do not leave a core idle), none shorter than
 * MIN_CHUNK_SEGMENTS nor longer than MAX_CHUNK_SEGMENTS, and never more than MAX_CHUNKS. Chunks start on the whole
 * video's frame grid (segmentStartSeconds), so the segments they write are those an unchunked encode writes. A
 * source without a believable frame rate has no known grid and is encoded as one chunk.
 */
export function planChunks(
  video: { durationSeconds: number; frameRate?: number | null },
  parallelism: number,
): Chunk[] {
  const fps = outputFrameRate(video.frameRate);
  const duration = Math.max(0, video.durationSeconds);
  const segments = Math.max(1, Math.ceil(duration / HLS_SEGMENT_SECONDS - 1e-9));
  const wanted = Math.max(2 * Math.max(1, Math.floor(parallelism)), Math.ceil(segments / MAX_CHUNK_SEGMENTS));
  const count = fps === null ? 1 : Math.max(1, Math.min(wanted, Math.floor(segments / MIN_CHUNK_SEGMENTS), MAX_CHUNKS));
  // Spread evenly: sizes differ by at most one segment, and each is at least segments ÷ count ≥ MIN_CHUNK_SEGMENTS.
  const firsts = Array.from({ length: count }, (_, k) => Math.round((k * segments) / count));
  return firsts.map((first, index) => {
    const end = index + 1 < count ? (firsts[index + 1] ?? null) : null;
    const from = segmentStartSeconds(first, fps);
    const to = end === null ? duration : Math.min(duration, segmentStartSeconds(end, fps));
    return { index, first, end, startSeconds: from, seconds: Math.max(0, to - from) };
  });
}
