import path from 'node:path';
import { inputArgs } from './input-args';

/** PCM rate of the waveform pass: enough for peaks, small enough to read in one go for long videos. */
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
 * One pass over the first audio stream with three outputs: `audio.m4a` (AAC stereo), the EBU R128 measurement
 * (ebur128 prints its summary on stderr at the end) and mono 16-bit PCM for the waveform.
 */
export function buildAudioArgs(sourcePath: string, outDir: string): string[] {
  return [
    ...inputArgs(sourcePath, { logLevel: 'info' }),
    '-map',
    '0:a:0',
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
    '0:a:0',
    '-vn',
    '-af',
    'ebur128=peak=true:framelog=verbose',
    '-f',
    'null',
    '-',
    '-map',
    '0:a:0',
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

/** Peak amplitude (0..1) of each of `buckets` equal slices of mono 16-bit little-endian PCM. */
export function waveformPeaks(pcm: Buffer, buckets: number): number[] {
  const samples = Math.floor(pcm.length / 2);
  if (samples === 0 || buckets <= 0) return [];
  const count = Math.min(buckets, samples);
  const peaks: number[] = [];
  for (let b = 0; b < count; b += 1) {
    const from = Math.floor((b * samples) / count);
    const to = Math.floor(((b + 1) * samples) / count);
    let peak = 0;
    for (let i = from; i < to; i += 1) peak = Math.max(peak, Math.abs(pcm.readInt16LE(i * 2)));
    peaks.push(Math.round((peak / 32768) * 1000) / 1000);
  }
  return peaks;
}
