import { promises as fs } from 'node:fs';

const PACKET = 188;
const SYNC = 0x47;
/** Packets read and written at once: about 190 KB. */
const BATCH = 1024;

/** The continuity counter each PID's last packet carried, so far along a rendition's segments. */
export type ContinuityCarry = Map<number, number>;

/**
 * Makes one MPEG-TS segment continue the continuity counters of the segment before it, rewriting them in place.
 *
 * Every chunk of the ladder is its own ffmpeg, whose muxer starts each PID's counter at 0, so where one chunk's
 * segments follow another's the counters jump, and a demuxer reading the rendition through (ffmpeg's own, some
 * players') takes the jump for lost packets. A counter is 4 bits of each packet's header, counting that PID's
 * packets with a payload; every counter is set to what a continuous mux would have written there — the previous
 * one, plus one when the packet carries a payload — so the segment reads as the continuation of the one before.
 * Each counter follows from the one before it alone, so a rewrite cut short (a worker killed mid-file) is finished
 * by the next attempt, and a segment that already continues (the same chunk's) is only read. Returns the counters
 * the next segment must continue.
 */
export async function continueCounters(file: string, carry: ContinuityCarry): Promise<ContinuityCarry> {
  const handle = await fs.open(file, 'r+');
  try {
    const last: ContinuityCarry = new Map(carry);
    const buffer = Buffer.alloc(PACKET * BATCH);
    for (let position = 0; ; position += buffer.length) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      const packets = Math.floor(bytesRead / PACKET);
      if (packets === 0) break;
      let changed = false;
      for (let p = 0; p < packets; p += 1) {
        const at = p * PACKET;
        if (buffer[at] !== SYNC) throw new Error(`${file}: not an MPEG-TS packet at byte ${position + at}`);
        const pid = (((buffer[at + 1] ?? 0) & 0x1f) << 8) | (buffer[at + 2] ?? 0);
        if (pid === 0x1fff) continue; // null packets carry no meaningful counter
        const header = buffer[at + 3] ?? 0;
        const counter = header & 0x0f;
        const previous = last.get(pid);
        // The first packet of a PID in the whole rendition keeps its counter; every later one follows from it.
        const fixed = previous === undefined ? counter : (previous + ((header & 0x10) !== 0 ? 1 : 0)) & 0x0f;
        if (fixed !== counter) {
          buffer[at + 3] = (header & 0xf0) | fixed;
          changed = true;
        }
        last.set(pid, fixed);
      }
      if (changed) await handle.write(buffer, 0, packets * PACKET, position);
      if (bytesRead < buffer.length) break;
    }
    return last;
  } finally {
    await handle.close();
  }
}
