import fc from 'fast-check';
import { createPeakAccumulator } from '../../src/media/audio';

/** The waveform read the obvious way, from the whole buffer: what the streamed one must equal. */
function wholeBufferPeaks(pcm: Buffer, buckets: number): number[] {
  const samples = Math.floor(pcm.length / 2);
  const count = Math.min(buckets, samples);
  const peaks: number[] = [];
  for (let b = 0; b < count; b += 1) {
    let peak = 0;
    for (let i = Math.floor((b * samples) / count); i < Math.floor(((b + 1) * samples) / count); i += 1) {
      peak = Math.max(peak, Math.abs(pcm.readInt16LE(i * 2)));
    }
    peaks.push(Math.round((peak / 32768) * 1000) / 1000);
  }
  return peaks;
}

/** Splits `buffer` at the given offsets (any order, any parity). */
function splitAt(buffer: Buffer, offsets: number[]): Buffer[] {
  const cuts = [...new Set(offsets.map((offset) => offset % (buffer.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, buffer.length]) {
    chunks.push(buffer.subarray(from, cut));
    from = cut;
  }
  return chunks;
}

describe('createPeakAccumulator', () => {
  it('takes the peak of each bucket of 16-bit PCM, extremes included', () => {
    const pcm = Buffer.alloc(8);
    [100, -16384, -32768, 32767].forEach((sample, i) => pcm.writeInt16LE(sample, i * 2));
    const accumulator = createPeakAccumulator(4, 2);
    accumulator.push(pcm);
    expect(accumulator.peaks()).toEqual([0.5, 1]);
  });

  it('joins a sample split between two chunks, negative ones included', () => {
    const pcm = Buffer.alloc(4);
    pcm.writeInt16LE(-300, 0);
    pcm.writeInt16LE(-16384, 2);
    const accumulator = createPeakAccumulator(2, 2);
    for (const byte of pcm) accumulator.push(Buffer.from([byte]));
    expect(accumulator.peaks()).toEqual([0.009, 0.5]);
  });

  it('gives no peaks for no samples, and one per sample when there are fewer samples than buckets', () => {
    expect(createPeakAccumulator(0, 10).peaks()).toEqual([]);
    const accumulator = createPeakAccumulator(3, 1000);
    accumulator.push(Buffer.alloc(6));
    expect(accumulator.peaks()).toEqual([0, 0, 0]);
  });

  it('streamed at random chunk boundaries, equals the whole-buffer result', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 3000 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 1200 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (samples, oddTail, buckets, offsets) => {
          const pcm = Buffer.alloc(samples.length * 2 + (oddTail ? 1 : 0));
          samples.forEach((sample, i) => pcm.writeInt16LE(sample, i * 2));
          const accumulator = createPeakAccumulator(Math.floor(pcm.length / 2), buckets);
          for (const chunk of splitAt(pcm, offsets)) accumulator.push(chunk);
          expect(accumulator.peaks()).toEqual(wholeBufferPeaks(pcm, buckets));
        },
      ),
      { numRuns: 300 },
    );
  });
});
