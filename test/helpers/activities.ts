import { createBatchActivities } from '../../src/activities/batch';
import { createActivities } from '../../src/activities';
import { openTestCatalog } from './catalog';

/** The real activities on a test's DATA_DIR and its SQLite catalog, with ffmpeg from PATH and progress signals dropped. */
export async function activitiesFor(dataDir: string): Promise<ReturnType<typeof createActivities>> {
  const { catalog } = await openTestCatalog(dataDir);
  return createActivities({
    dataDir,
    ffmpegPath: 'ffmpeg',
    ffprobePath: 'ffprobe',
    probeTimeoutMs: 30_000,
    signalProgress: () => Promise.resolve(),
    catalog,
  });
}

/** The batch activities of a worker without batch records: each refuses, for stub workers that run no batch. */
export function noBatches(): ReturnType<typeof createBatchActivities> {
  return createBatchActivities(undefined);
}
