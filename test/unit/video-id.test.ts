import path from 'node:path';
import { isVideoId, videoDir } from '../../src/media/layout';

describe('video ids', () => {
  it.each(['a', 'demo', 'A1', 'clip_2024-01', 'x'.repeat(128), '0abc'])('accepts %s', (id) => {
    expect(isVideoId(id)).toBe(true);
  });

  it.each(['', '-lead', '_lead', '..', 'a/b', 'a b', 'a.b', 'é', 'x'.repeat(129), '%2e%2e', 'a\nb'])(
    'refuses %j',
    (id) => {
      expect(isVideoId(id)).toBe(false);
    },
  );

  it('maps an id to its own folder under DATA_DIR/media', () => {
    expect(videoDir('/data', 'demo')).toBe(path.join('/data', 'media', 'demo'));
  });

  it('never builds a path from a bad id', () => {
    expect(() => videoDir('/data', '../etc')).toThrow(/Not a video id/);
  });
});
