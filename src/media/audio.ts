import path from 'node:path';
import { inputArgs } from './input-args';

/** PCM rate of the waveform pass: enough for peaks, and 14 MB an hour of mono 16-bit to stream through. */
export const WAVEFORM_SAMPLE_RATE = 2000;

export interface Loudness {
  /** Integrated loudness, LUFS (EBU R128). */
  integratedLufs: number;
  /** True peak, dBTP. */
  truePeakDbtp: number;
  /** Loudness range, LU. */
  rangeLu: number | null;
}

/**
 * One pass over the main audio stream (the probe's audioTrack) with three outputs: `audio.m4a` (AAC stereo), the EBU R128 measurement
 * (ebur128 prints its summary on stderr at the end) and mono 16-bit PCM for the waveform.
 */
export function buildAudioArgs(sourcePath: string, outDir: string, durationSeconds: number, audioTrack = 0): string[] {
  const stream = `0:a:${audioTrack}`;
  return [
    ...inputArgs(sourcePath, { durationSeconds, logLevel: 'info' }),
    '-map',
    stream,
    '-vn',
    '-c:a',
    'aac',
    '-b:a',
    '128k',
    '-ac',
    '2',
    '-movflags',
    '+faststart',
    '-y',
    path.join(outDir, 'audio.m4a'),
    '-map',
    stream,
    '-vn',
    '-af',
    'ebur128=peak=true:framelog=verbose',
    '-f',
    'null',
    '-',
    '-map',
    stream,
    '-vn',
    '-ac',
    '1',
    '-ar',
    String(WAVEFORM_SAMPLE_RATE),
    '-c:a',
    'pcm_s16le',
    '-f',
    's16le',
    '-y',
    path.join(outDir, 'waveform.pcm'),
  ];
}

/** Reads ebur128's summary ("I: -23.0 LUFS", "LRA: 5.0 LU", "Peak: -1.0 dBFS"); null if there is none. */
export function parseLoudnessSummary(stderr: string): Loudness | null {
  const summary = stderr.slice(stderr.lastIndexOf('Summary:'));
  if (!summary.startsWith('Summary:')) return null;
  const integrated = /I:\s+(-?[\d.]+|-inf)\s+LUFS/.exec(summary);
  const peak = /Peak:\s+(-?[\d.]+|-inf)\s+dBFS/.exec(summary);
  const range = /LRA:\s+(-?[\d.]+)\s+LU/.exec(summary);
  if (!integrated || !peak) return null;
  return {
    integratedLufs: toNumber(integrated[1]),
    truePeakDbtp: toNumber(peak[1]),
    rangeLu: range ? toNumber(range[1]) : null,
  };
}

function toNumber(value: string | undefined): number {
  return value === '-inf' || value === undefined ? -Infinity : Number(value);
}

export interface PeakAccumulator {
  /** Takes the next bytes of the PCM, split anywhere (even inside a sample). */
  push: (chunk: Buffer) => void;
  /** Peak amplitude (0..1, three decimals) of each bucket; the buckets no sample reached yet are 0. */
  peaks: () => number[];
}

/**
 * Peak amplitude of each of `buckets` equal slices of mono 16-bit little-endian PCM of `totalSamples` samples, fed
 * in chunks: the PCM of a long video is never held whole in memory. Bucket `b` covers samples
 * [⌊b·n/count⌋, ⌊(b+1)·n/count⌋), with count = min(buckets, n) so that no bucket is empty; samples past
 * `totalSamples` are ignored.
 */
export function createPeakAccumulator(totalSamples: number, buckets: number): PeakAccumulator {
  const samples = Math.max(0, Math.floor(totalSamples));
  const count = buckets > 0 ? Math.min(Math.floor(buckets), samples) : 0;
  const maxima = new Array<number>(count).fill(0);
  let index = 0;
  let bucket = 0;
  let bucketEnd = count > 0 ? Math.floor(samples / count) : 0;
  // The first byte of a sample whose second byte is in the next chunk.
  let carry: number | null = null;

  const take = (sample: number) => {
    if (index >= samples) return;
    while (index >= bucketEnd) {
      bucket += 1;
      bucketEnd = Math.floor(((bucket + 1) * samples) / count);
    }
    maxima[bucket] = Math.max(maxima[bucket] ?? 0, Math.abs(sample));
    index += 1;
  };

  return {
    push(chunk) {
      if (count === 0 || chunk.length === 0) return;
      let offset = 0;
      if (carry !== null) {
        const value = ((chunk[0] ?? 0) << 8) | carry;
        take(value >= 0x8000 ? value - 0x10000 : value);
        carry = null;
        offset = 1;
      }
      for (; offset + 1 < chunk.length; offset += 2) take(chunk.readInt16LE(offset));
      if (offset < chunk.length) carry = chunk[offset] ?? 0;
    },
    peaks: () => maxima.map((peak) => Math.round((peak / 32768) * 1000) / 1000),
  };
}
