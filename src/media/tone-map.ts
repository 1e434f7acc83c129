/**
 * PQ or HLG to SDR BT.709 (zscale and tonemap, both in Debian's ffmpeg): to linear light at 100 nits, BT.709
 * primaries, Hable's curve (keeps highlights' detail), back to BT.709's transfer in limited range, 8-bit 4:2:0.
 */
export function toneMapToSdr(): string {
  return [
    'zscale=t=linear:npl=100',
    'format=gbrpf32le',
    'zscale=p=bt709',
    'tonemap=tonemap=hable:desat=0',
    'zscale=t=bt709:m=bt709:r=tv',
    'format=yuv420p',
  ].join(',');
}
