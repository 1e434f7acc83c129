/** The transfers that make a source HDR: PQ (HDR10, Dolby Vision's base layer) and HLG. */
export const HDR_TRANSFERS = ['smpte2084', 'arib-std-b67'] as const;

/**
 * PQ or HLG to SDR BT.709 (zscale and tonemap, both in Debian's ffmpeg): to linear light at 100 nits, BT.709
 * primaries, Hable's curve (keeps highlights' detail), back to BT.709's transfer in limited range, 8-bit 4:2:0.
 * The frames are first stamped as what an HDR source is (BT.2020, its transfer): zscale finds no conversion from
 * frames whose primaries or matrix a file left untagged.
 */
export function toneMapToSdr(transfer: string | null | undefined): string {
  const from = HDR_TRANSFERS.find((known) => known === transfer) ?? 'smpte2084';
  return [
    `setparams=color_primaries=bt2020:color_trc=${from}:colorspace=bt2020nc`,
    'zscale=t=linear:npl=100',
    'format=gbrpf32le',
    'zscale=p=bt709',
    'tonemap=tonemap=hable:desat=0',
    'zscale=t=bt709:m=bt709:r=tv',
    'format=yuv420p',
  ].join(',');
}
