import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { continueCounters } from '../../src/media/ts-continuity';

/** A transport stream of packets (pid, counter, payload?), 188 bytes each, as a muxer starting afresh writes them. */
function stream(packets: [number, number, boolean][]): Buffer {
  const buffer = Buffer.alloc(188 * packets.length, 0xff);
  packets.forEach(([pid, counter, payload], i) => {
    const at = i * 188;
    buffer[at] = 0x47;
    buffer[at + 1] = (pid >> 8) & 0x1f;
    buffer[at + 2] = pid & 0xff;
    buffer[at + 3] = (payload ? 0x10 : 0x20) | counter;
  });
  return buffer;
}

const countersOf = (buffer: Buffer) =>
  Array.from({ length: buffer.length / 188 }, (_, i) => (buffer[i * 188 + 3] ?? 0) & 0x0f);

describe('continueCounters', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ts-continuity-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("shifts a later chunk's counters to continue the earlier chunk's, per PID, and leaves the rest of each packet", async () => {
    const first = path.join(dir, 'a.ts');
    const second = path.join(dir, 'b.ts');
    await fs.writeFile(
      first,
      stream([
        [0, 0, true],
        [256, 0, true],
        [256, 1, true],
        [256, 1, false],
        [256, 2, true],
      ]),
    );
    const restarted = stream([
      [0, 0, true],
      [256, 0, true],
      [256, 1, true],
      [0x1fff, 0, true],
    ]);
    await fs.writeFile(second, restarted);

    const carry = await continueCounters(first, new Map());
    expect(countersOf(await fs.readFile(first))).toEqual([0, 0, 1, 1, 2]);
    const next = await continueCounters(second, carry);
    const rewritten = await fs.readFile(second);
    // PAT continues from 0, video from 2; the null packet keeps its own.
    expect(countersOf(rewritten)).toEqual([1, 3, 4, 0]);
    expect(next.get(256)).toBe(4);
    // Only the counter nibble changed: flags and PIDs are as they were.
    for (let i = 0; i < rewritten.length; i += 188) {
      expect(rewritten.subarray(i, i + 3)).toEqual(restarted.subarray(i, i + 3));
      expect((rewritten[i + 3] ?? 0) & 0xf0).toBe((restarted[i + 3] ?? 0) & 0xf0);
    }
    // Run again (a retried assembly), it finds the segment continuing already and changes nothing.
    await continueCounters(second, carry);
    expect(await fs.readFile(second)).toEqual(rewritten);
  });

  it('finishes a rewrite that was cut short: each counter follows from the one before it', async () => {
    const file = path.join(dir, 'd.ts');
    // The first two packets rewritten already (a worker killed mid-file), the rest still as the chunk's muxer wrote.
    await fs.writeFile(
      file,
      stream([
        [256, 6, true],
        [256, 7, true],
        [256, 2, true],
        [256, 3, true],
      ]),
    );
    await continueCounters(file, new Map([[256, 5]]));
    expect(countersOf(await fs.readFile(file))).toEqual([6, 7, 8, 9]);
  });

  it('wraps the 4-bit counter', async () => {
    const file = path.join(dir, 'c.ts');
    await fs.writeFile(
      file,
      stream([
        [256, 0, true],
        [256, 1, true],
      ]),
    );
    await continueCounters(file, new Map([[256, 15]]));
    expect(countersOf(await fs.readFile(file))).toEqual([0, 1]);
    await fs.writeFile(file, stream([[256, 0, true]]));
    await continueCounters(file, new Map([[256, 14]]));
    expect(countersOf(await fs.readFile(file))).toEqual([15]);
  });
});
