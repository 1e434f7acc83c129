import { MAX_CHUNKS, MAX_CHUNK_SEGMENTS, MIN_CHUNK_SEGMENTS, planChunks } from '../../src/media/chunks';
import { segmentStartSeconds } from '../../src/media/hls';

describe('planChunks', () => {
  it('cuts twice as many chunks as the deployment encodes at once, each of whole segments', () => {
    const chunks = planChunks({ durationSeconds: 60, frameRate: 30 }, 2);
    // 15 segments: 4 chunks would leave some under 4 segments, so 3.
    expect(chunks.map((c) => [c.first, c.end])).toEqual([
      [0, 5],
      [5, 10],
      [10, null],
    ]);
    expect(chunks.reduce((sum, c) => sum + c.seconds, 0)).toBeCloseTo(60, 6);
  });

  it('starts every chunk on the frame grid, where the unchunked encode starts that segment', () => {
    const ntsc = 30000 / 1001;
    const chunks = planChunks({ durationSeconds: 600, frameRate: ntsc }, 4);
    for (const chunk of chunks) expect(chunk.startSeconds).toBe(segmentStartSeconds(chunk.first, ntsc));
    expect(chunks[1]?.startSeconds).not.toBe((chunks[1]?.first ?? 0) * 4);
  });

  it('keeps chunks between the bounds, and a 6-hour video to at most MAX_CHUNKS', () => {
    const long = planChunks({ durationSeconds: 6 * 3600, frameRate: 25 }, 64);
    expect(long).toHaveLength(MAX_CHUNKS);
    const hour = planChunks({ durationSeconds: 3600, frameRate: 25 }, 1);
    for (const chunk of hour.slice(0, -1)) {
      const size = (chunk.end ?? 0) - chunk.first;
      expect(size).toBeGreaterThanOrEqual(MIN_CHUNK_SEGMENTS);
      expect(size).toBeLessThanOrEqual(MAX_CHUNK_SEGMENTS);
    }
    // Chunks follow each other without a gap, and only the last reads to the end.
    hour.forEach((chunk, i) => expect(chunk.first).toBe(i === 0 ? 0 : hour[i - 1]?.end));
    expect(hour.filter((chunk) => chunk.end === null)).toHaveLength(1);
  });

  it('makes one chunk of a short video, and of one without a believable frame rate', () => {
    expect(planChunks({ durationSeconds: 12, frameRate: 30 }, 8)).toHaveLength(1);
    expect(planChunks({ durationSeconds: 600, frameRate: null }, 8)).toEqual([
      { index: 0, first: 0, end: null, startSeconds: 0, seconds: 600 },
    ]);
  });
});
