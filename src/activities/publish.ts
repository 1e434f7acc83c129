import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { currentLink, runDir, stagingDir, videoDir } from '../media/layout';
import type { ActivityDeps } from './deps';
import { exists } from './files';
import { toActivityFailure } from './failures';
import { currentExecution } from './source';
import { MANIFEST_FILE, type PublishedManifest } from '../media/manifest';

/** Published runs kept per video: the current one and the one before it. */
export const KEEP_RUNS = 2;

export interface PublishInput {
  videoId: string;
  /** What the steps produced; written to manifest.json with the list of files. */
  outputs: Record<string, unknown>;
}

export interface PublishOutcome {
  runId: string;
  manifest: string;
  files: number;
  /** The published run's size on disk, manifest included. */
  bytes: number;
}

/**
 * Makes the run's outputs the video's current ones: manifest.json is written, the staging folder moves to
 * `runs/<run_id>` (a rename: clients never see half of it) and `current` is switched by renaming a new symlink over
 * it, which is atomic. Safe to retry: a run already moved is only switched to again.
 */
export function createPublish(deps: ActivityDeps) {
  return async function publish({ videoId, outputs }: PublishInput): Promise<PublishOutcome> {
    try {
      const { runId } = currentExecution();
      const staging = stagingDir(deps.dataDir, videoId, runId);
      const target = runDir(deps.dataDir, videoId, runId);
      const link = currentLink(deps.dataDir, videoId);
      // An attempt that finds the run already current leaves it alone: it is a late one (a worker that stalled past
      // the workflow task's timeout while another ran the publish again), and must not remove what was published.
      const alreadyCurrent = (await fs.readlink(link).catch(() => null)) === path.join('runs', runId);
      if (alreadyCurrent && (await exists(target))) {
        // Nothing to move; whatever this run has in staging again is a leftover.
        await fs.rm(staging, { recursive: true, force: true });
      } else if (await exists(staging)) {
        const files = await listFiles(staging);
        const manifest: PublishedManifest = {
          video_id: videoId,
          run_id: runId,
          published_at: new Date().toISOString(),
          outputs,
          files,
        };
        await fs.writeFile(path.join(staging, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
        await fs.mkdir(path.dirname(target), { recursive: true });
        // Never removed first: a published run is whole (a rename made it), and an attempt that finds one there is
        // a late one, whose rename fails rather than replace it.
        await fs.rename(staging, target);
        // The staging parent goes too once no other run of this video is working in it.
        await fs.rmdir(path.dirname(staging)).catch(() => undefined);
      } else if (!(await exists(target))) {
        throw new Error(`run ${runId} has no outputs to publish`);
      }
      const temporary = `${link}.${runId}.tmp`;
      await fs.rm(temporary, { force: true });
      await fs.symlink(path.join('runs', runId), temporary);
      await fs.rename(temporary, link);
      // Housekeeping only: the run is published by now, and a failed prune must not fail (and retry) the publish.
      await pruneRuns(deps.dataDir, videoId, runId).catch((error: unknown) => {
        Context.current().log.warn('old runs could not be pruned', { videoId, error: String(error) });
      });
      const published = await listFiles(target);
      const bytes = published.reduce((sum, file) => sum + file.bytes, 0);
      return { runId, manifest: MANIFEST_FILE, files: published.length, bytes };
    } catch (error) {
      throw toActivityFailure(error);
    }
  };
}

/** Removes the current activity's run staging folder; for a run that failed or was cancelled. */
export function createDiscardStaging(deps: ActivityDeps) {
  return async function discardStaging({ videoId }: { videoId: string }): Promise<void> {
    const { runId } = currentExecution();
    await fs.rm(stagingDir(deps.dataDir, videoId, runId), { recursive: true, force: true });
  };
}

async function pruneRuns(dataDir: string, videoId: string, currentRunId: string): Promise<void> {
  const runs = path.join(videoDir(dataDir, videoId), 'runs');
  const entries = await fs.readdir(runs, { withFileTypes: true });
  const others = await Promise.all(
    entries
      .filter((entry) => entry.isDirectory() && entry.name !== currentRunId)
      .map(async (entry) => ({ name: entry.name, mtime: (await fs.stat(path.join(runs, entry.name))).mtimeMs })),
  );
  others.sort((a, b) => b.mtime - a.mtime);
  for (const old of others.slice(KEEP_RUNS - 1)) {
    await fs.rm(path.join(runs, old.name), { recursive: true, force: true });
  }
}

/** Every file under `dir`, with its size, paths relative to `dir`. */
async function listFiles(dir: string, prefix = ''): Promise<{ path: string; bytes: number }[]> {
  const entries = await fs.readdir(path.join(dir, prefix), { withFileTypes: true });
  const lists = await Promise.all(
    entries.map(async (entry) => {
      const relative = path.join(prefix, entry.name);
      if (entry.isDirectory()) return listFiles(dir, relative);
      if (!entry.isFile()) return [];
      return [{ path: relative, bytes: (await fs.stat(path.join(dir, relative))).size }];
    }),
  );
  return lists.flat().sort((a, b) => a.path.localeCompare(b.path));
}
