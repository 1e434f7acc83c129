import { createActivities } from '../../src/activities';

/** The real activities on a test's DATA_DIR, with ffmpeg from PATH and progress signals dropped. */
export function activitiesFor(dataDir: string): ReturnType<typeof createActivities> {
  return createActivities({
    dataDir,
    ffmpegPath: 'ffmpeg',
    ffprobePath: 'ffprobe',
    probeTimeoutMs: 30_000,
    signalProgress: () => Promise.resolve(),
  });
}
