import fc from 'fast-check';
import { MediaError } from '../../src/media/errors';
import { createProgressParser, progressFraction } from '../../src/media/ffmpeg-progress';
import { parseProbeOutput } from '../../src/media/probe';

const RUNS = 20_000;

/** What ffmpeg's -progress output is made of, so the fuzzer hits the parser's real paths as well as noise. */
const progressLine = fc.oneof(
  fc.constantFrom('progress=continue', 'progress=end', 'out_time_us=', 'out_time_ms=', 'out_time=', 'frame=', 'speed='),
  fc
    .tuple(
      fc.constantFrom('out_time_us', 'out_time_ms', 'out_time', 'frame', 'fps', 'speed', 'progress', 'total_size'),
      fc.oneof(fc.string(), fc.integer().map(String), fc.double().map(String), fc.constant('N/A')),
    )
    .map(([key, value]) => `${key}=${value}`),
  fc.string(),
);

describe('fuzz: the ffmpeg -progress parser', () => {
  it('never throws on arbitrary chunks, and reports fractions in 0..1 or none', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(progressLine, fc.string({ unit: 'binary' })), { maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 8 }),
        fc.double({ min: -10, max: 1e6, noNaN: false }),
        (lines, cuts, duration) => {
          const text = lines.join('\n');
          const blocks: unknown[] = [];
          const feed = createProgressParser((block) => blocks.push(block));
          // The same text, cut into chunks at arbitrary places, as a pipe delivers it.
          let at = 0;
          for (const cut of cuts) {
            feed(text.slice(at, at + cut));
            at += cut;
          }
          feed(text.slice(at));
          for (const block of blocks) {
            const fraction = progressFraction(block as Parameters<typeof progressFraction>[0], duration);
            if (fraction !== null) expect(fraction >= 0 && fraction <= 1).toBe(true);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

/** ffprobe-shaped JSON with arbitrary values where the parser looks, plus arbitrary JSON and arbitrary text. */
const probeLike = fc
  .record({
    streams: fc.array(
      fc.record(
        {
          codec_type: fc.oneof(fc.constantFrom('video', 'audio', 'data', 'subtitle'), fc.string()),
          codec_name: fc.oneof(fc.string(), fc.constant('h264')),
          width: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
          height: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
          duration: fc.oneof(fc.double().map(String), fc.string(), fc.constant('N/A')),
          avg_frame_rate: fc.oneof(fc.constantFrom('25/1', '0/0', '30000/1001', '1/0'), fc.string()),
          sample_aspect_ratio: fc.oneof(fc.constantFrom('1:1', '0:1', '4:3', 'N/A'), fc.string()),
          field_order: fc.oneof(fc.constantFrom('progressive', 'tt', 'bb'), fc.string()),
          disposition: fc.oneof(fc.record({ attached_pic: fc.integer({ min: 0, max: 1 }) }), fc.constant(null)),
          side_data_list: fc.array(fc.record({ rotation: fc.oneof(fc.integer(), fc.string()) }), { maxLength: 2 }),
          tags: fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
          channels: fc.oneof(fc.integer(), fc.string()),
          sample_rate: fc.oneof(fc.integer().map(String), fc.string()),
        },
        { requiredKeys: [] },
      ),
      { maxLength: 4 },
    ),
    format: fc.record(
      {
        format_name: fc.string(),
        duration: fc.oneof(fc.double().map(String), fc.string()),
        size: fc.oneof(fc.integer().map(String), fc.string()),
        bit_rate: fc.oneof(fc.integer().map(String), fc.string()),
      },
      { requiredKeys: [] },
    ),
  })
  .map((value) => JSON.stringify(value));

describe('fuzz: the ffprobe JSON parser', () => {
  it('returns VideoInfo or throws its documented MediaError, nothing else', () => {
    fc.assert(
      fc.property(fc.oneof(probeLike, fc.json(), fc.string({ unit: 'binary' })), (text) => {
        try {
          const info = parseProbeOutput(text);
          expect(info.width).toBeGreaterThan(0);
          expect(info.height).toBeGreaterThan(0);
          expect(info.durationSeconds).toBeGreaterThan(0);
        } catch (error) {
          expect(error).toBeInstanceOf(MediaError);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
