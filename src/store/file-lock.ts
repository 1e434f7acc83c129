import { promises as fs } from 'node:fs';

/**
 * Runs `work` while holding a lock file, created exclusively (`wx`), so processes on one machine take turns. A lock
 * older than `staleMs` is taken to be left by a crashed process and removed.
 */
export async function withFileLock<T>(
  lockPath: string,
  work: () => Promise<T>,
  options: { waitMs?: number; staleMs?: number } = {},
): Promise<T> {
  const { waitMs = 60_000, staleMs = 120_000 } = options;
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const handle = await fs.open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await fs.stat(lockPath).then(
        (stats) => Date.now() - stats.mtimeMs,
        () => 0,
      );
      if (age > staleMs) await fs.rm(lockPath, { force: true });
      else if (Date.now() > deadline) throw new Error(`Timed out waiting for the lock ${lockPath}`, { cause: error });
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    return await work();
  } finally {
    await fs.rm(lockPath, { force: true });
  }
}
