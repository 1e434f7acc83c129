import { promises as fs } from 'node:fs';
import { REFUSALS } from './refusals';

/**
 * What a file ffprobe could not read is, from its first bytes and ffprobe's complaint: the refusal a user can act
 * on. Playlists and subtitle files never reach a demuxer (the format whitelist keeps them out), so they are told
 * apart here.
 */
export async function describeUnreadable(file: string, ffprobeSaid: string): Promise<string> {
  const head = await readHead(file, 4096);
  if (head.length === 0) return REFUSALS.empty;
  const text = head.toString('latin1').replace(/^\xef\xbb\xbf/, '');
  if (/^#EXTM3U/.test(text) || /^ffconcat version/.test(text)) return REFUSALS.playlist;
  if (/^WEBVTT/.test(text) || /^\[Script Info\]/.test(text) || /^\s*\d+\r?\n\d\d:\d\d:\d\d[,.]\d{3} --> /.test(text)) {
    return REFUSALS.subtitles;
  }
  if (isStillImage(head)) return REFUSALS.stillImage;
  if (head.subarray(4, 8).toString('latin1') === 'ftyp' && /moov atom not found/i.test(ffprobeSaid)) {
    return REFUSALS.truncated;
  }
  if (/^(?:\s*file\s+\S)/.test(text)) return REFUSALS.playlist;
  if (looksLikeText(head)) return REFUSALS.text;
  return REFUSALS.notMedia;
}

/** JPEG, PNG, WebP, BMP, TIFF, and HEIF/AVIF stills (an ISO file whose brand is an image's). */
function isStillImage(head: Buffer): boolean {
  const starts = (...bytes: number[]) => bytes.every((byte, index) => head[index] === byte);
  if (starts(0xff, 0xd8, 0xff) || starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return true;
  if (head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP')
    return true;
  if (starts(0x49, 0x49, 0x2a, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2a)) return true;
  if (starts(0x42, 0x4d) && head.length >= 18 && [12, 40, 52, 56, 108, 124].includes(head.readUInt32LE(14)))
    return true;
  const brand = head.subarray(8, 12).toString('latin1');
  return head.subarray(4, 8).toString('latin1') === 'ftyp' && ['heic', 'heix', 'mif1', 'avif'].includes(brand);
}

/** Printable UTF-8 or ASCII, line breaks and tabs: a text file. */
function looksLikeText(head: Buffer): boolean {
  const decoded = head.toString('utf8');
  const unprintable = [...decoded].filter((char) => {
    const code = char.codePointAt(0) ?? 0;
    return char === '\ufffd' || (code < 0x20 && char !== '\n' && char !== '\r' && char !== '\t');
  });
  // The last character may be a multi-byte one cut by the 4 KB read.
  return unprintable.length <= 1;
}

async function readHead(file: string, bytes: number): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
