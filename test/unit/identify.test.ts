import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeUnreadable } from '../../src/media/identify';
import { REFUSALS } from '../../src/media/refusals';

describe('describeUnreadable: what a file ffprobe could not read is', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'reprocess-identify-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const said = async (bytes: string | Buffer, ffprobeSaid = 'Invalid data found when processing input') => {
    const file = path.join(dir, `f-${Math.random().toString(36).slice(2)}`);
    await fs.writeFile(file, bytes);
    return describeUnreadable(file, ffprobeSaid);
  };

  it.each([
    ['an empty file', '', REFUSALS.empty],
    ['an HLS playlist', '#EXTM3U\n#EXTINF:2,\nhttp://example.com/a.ts\n', REFUSALS.playlist],
    ['a concat list', "ffconcat version 1.0\nfile 'a.mp4'\n", REFUSALS.playlist],
    ['a bare concat list', "file 'a.mp4'\nfile 'b.mp4'\n", REFUSALS.playlist],
    ['an SRT file', '1\n00:00:01,000 --> 00:00:02,000\nHi\n', REFUSALS.subtitles],
    ['a WebVTT file', 'WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n', REFUSALS.subtitles],
    ['an ASS file with a BOM', '\ufeff[Script Info]\nTitle: x\n', REFUSALS.subtitles],
    ['a text file', 'just some notes, nothing more\n'.repeat(10), REFUSALS.text],
    ['UTF-8 text', 'Grüße, ça va — 日本語\n'.repeat(10), REFUSALS.text],
  ])('names %s', async (_label, bytes, refusal) => {
    expect(await said(bytes)).toBe(refusal);
  });

  it.each([
    ['JPEG', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10])],
    ['PNG', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0])],
    ['WebP', Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 ')])],
    ['HEIC', Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic'), Buffer.alloc(8)])],
  ])('names a %s still image', async (_label, bytes) => {
    expect(await said(bytes)).toBe(REFUSALS.stillImage);
  });

  it('names an MP4 whose index is missing only when ffprobe says so', async () => {
    const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom'), Buffer.alloc(64, 7)]);
    expect(await said(mp4, 'moov atom not found')).toBe(REFUSALS.truncated);
    expect(await said(mp4)).toBe(REFUSALS.notMedia);
  });

  it('falls back to "not a media file" for binary it does not know', async () => {
    expect(await said(Buffer.from([0, 1, 2, 3, 250, 251, 252, 0, 0, 9, 8, 7]))).toBe(REFUSALS.notMedia);
  });
});
