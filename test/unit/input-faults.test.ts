import { MediaError, ToolFailedError } from '../../src/media/errors';
import { ffmpegFailureToMediaError, inputFaultLine } from '../../src/media/input-faults';

/**
 * stderr of ffmpeg 5.1 (loglevel error) as it failed on real files — garbage bytes, a transport stream with noise
 * over most packets, a truncated MP4, output to /dev/full — with only the paths changed. The EIO and ENOMEM ones
 * could not be provoked here and are written the way ffmpeg words those errors.
 */
const SAMPLES = {
  garbage:
    '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x561fb3df0280] moov atom not found\n' +
    'file:/data/media/v1/source.mp4: Invalid data found when processing input\n',
  noiseInTransportStream:
    '[h264 @ 0x555b904f2640] no frame!\n' +
    'Error while decoding stream #0:0: Invalid data found when processing input\n' +
    '    Last message repeated 1 times\n' +
    'Cannot determine format of input stream 0:0 after EOF\n' +
    'Error marking filters as finished\n',
  cutShort:
    '[NULL @ 0x555ca6e70680] Invalid NAL unit size (1233 > 323).\n' +
    '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x555ca6e6f140] stream 0, offset 0x51ae: partial file\n' +
    '[h264 @ 0x555ca6ea6640] Error splitting the input into NAL units.\n',
  diskFull:
    'Could not write header for output file #0 (incorrect codec parameters ?): No space left on device\n' +
    'Error initializing output stream 0:0 -- \n',
  readFailed:
    '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x555ca6e6f140] stream 0, offset 0x51ae: partial file\n' +
    'file:/data/media/v1/source.mp4: Input/output error\n',
  outOfMemory:
    '[libx264 @ 0x55d0c1a2b340] malloc of size 4147200 failed\nError while decoding stream #0:0: Cannot allocate memory\n',
  unexplained: 'Conversion failed!\n',
};

function ffmpegFailed(stderr: string, exitCode: number | null = 1): ToolFailedError {
  return new ToolFailedError('ffmpeg', exitCode, exitCode === null ? 'SIGKILL' : null, stderr);
}

describe('ffmpegFailureToMediaError', () => {
  it.each([
    ['garbage bytes', SAMPLES.garbage, /moov atom not found/],
    ['noise in a transport stream', SAMPLES.noiseInTransportStream, /Error while decoding stream #0:0/],
    ['a file cut short', SAMPLES.cutShort, /Invalid NAL unit size/],
  ])('refuses, as InvalidMedia, an ffmpeg that %s made fail', (_what, stderr, reason) => {
    const classified = ffmpegFailureToMediaError(ffmpegFailed(stderr));
    expect(classified).toBeInstanceOf(MediaError);
    expect(classified).toMatchObject({ kind: 'InvalidMedia' });
    expect((classified as MediaError).message).toMatch(reason);
    expect((classified as MediaError).message).toMatch(/^the file could not be decoded: /);
  });

  it('names the part of ffmpeg that failed, without its pointer', () => {
    const classified = ffmpegFailureToMediaError(ffmpegFailed(SAMPLES.garbage));
    expect((classified as MediaError).message).toBe(
      'the file could not be decoded: mov,mp4,m4a,3gp,3g2,mj2: moov atom not found',
    );
  });

  it('leaves out the path of the source', () => {
    expect(inputFaultLine('file:/data/media/v1/source.mp4: Invalid data found when processing input\n')).toBe(
      'file:/data/media/v1/source.mp4: Invalid data found when processing input',
    );
    const classified = ffmpegFailureToMediaError(
      ffmpegFailed('file:/data/media/v1/source.mp4: Invalid data found when processing input\n'),
    );
    expect((classified as MediaError).message).toBe(
      'the file could not be decoded: Invalid data found when processing input',
    );
  });

  it.each([
    ['the disk is full', SAMPLES.diskFull],
    ['reading the file failed (EIO), whatever the demuxer made of it', SAMPLES.readFailed],
    ['memory ran out, whatever the decoder made of it', SAMPLES.outOfMemory],
    ['stderr does not say why', SAMPLES.unexplained],
    ['stderr is empty (ffmpeg asked to stop exits 255 silently)', ''],
  ])('keeps it retryable when %s', (_what, stderr) => {
    const error = ffmpegFailed(stderr);
    expect(ffmpegFailureToMediaError(error)).toBe(error);
  });

  it('keeps it retryable when ffmpeg was killed by a signal, whatever it said before', () => {
    const error = ffmpegFailed(SAMPLES.garbage, null);
    expect(ffmpegFailureToMediaError(error)).toBe(error);
  });

  it('passes anything that is not a tool failure through', () => {
    const error = new Error('EACCES');
    expect(ffmpegFailureToMediaError(error)).toBe(error);
    expect(ffmpegFailureToMediaError('text')).toBe('text');
  });

  it('keeps it retryable when ffmpeg stopped because it was signalled (exit 255)', () => {
    const failure = ffmpegFailed('[h264 @ 0x1] Invalid NAL unit size (1 > 2).\n', 255);
    expect(ffmpegFailureToMediaError(failure)).toBe(failure);
  });

  it('reads only why ffmpeg stopped: a decoding error it went on past long before is not the reason', () => {
    const early = '[h264 @ 0x1] error while decoding MB 3 4\n';
    const failure = ffmpegFailed(`${early}${'frame=  10 fps=0.0 q=0.0 size=N/A\n'.repeat(10)}Conversion failed!\n`);
    expect(ffmpegFailureToMediaError(failure)).toBe(failure);
  });

  it("ignores the file's own tags, printed before Stream mapping, in both directions", () => {
    const tags = "Input #0, matroska,webm, from 'file:x.mkv':\n  Metadata:\n    title           : ";
    const mapping = 'Stream mapping:\n  Stream #0:0 -> #0:0 (h264 (native) -> wrapped_avframe (native))\n';
    // A tag that reads like a full disk does not make a real input fault retryable…
    const forgedSpace = ffmpegFailed(
      `${tags}No space left on device\n${mapping}[h264 @ 0x1] Invalid NAL unit size (9 > 3).\nConversion failed!\n`,
    );
    expect(ffmpegFailureToMediaError(forgedSpace)).toBeInstanceOf(MediaError);
    // …and one that reads like a fault does not make a transient failure permanent.
    const forgedFault = ffmpegFailed(`${tags}moov atom not found\n${mapping}Conversion failed!\n`);
    expect(ffmpegFailureToMediaError(forgedFault)).toBe(forgedFault);
  });
});
