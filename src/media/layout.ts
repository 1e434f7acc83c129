import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isVideoId } from './video-id';

export { isVideoId, VIDEO_ID_PATTERN } from './video-id';

/** `DATA_DIR/media/<id>`: the video's own folder, the only place its steps read from and write to. */
export function videoDir(dataDir: string, videoId: string): string {
  if (!isVideoId(videoId)) throw new Error(`Not a video id: ${JSON.stringify(videoId)}`);
  return path.join(dataDir, 'media', videoId);
}

/**
 * The video's source file, `source.<ext>`, or null when there is none. Only a regular file counts: a symlink could
 * point outside the video's folder.
 */
export async function findSourceFile(dataDir: string, videoId: string): Promise<string | null> {
  const dir = videoDir(dataDir, videoId);
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
  const source = entries
    .filter((entry) => entry.isFile() && /^source\.[A-Za-z0-9]{1,8}$/.test(entry.name))
    .map((entry) => entry.name)
    .sort()[0];
  return source === undefined ? null : path.join(dir, source);
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Where a run writes its outputs while it works: never served, removed if the run does not publish. */
export function stagingDir(dataDir: string, videoId: string, runId: string): string {
  return path.join(videoDir(dataDir, videoId), 'staging', safeSegment(runId));
}

/** Where a published run's outputs live. */
export function runDir(dataDir: string, videoId: string, runId: string): string {
  return path.join(videoDir(dataDir, videoId), 'runs', safeSegment(runId));
}

/** The symlink that names the published run: `media/<id>/current` → `runs/<run_id>`. */
export function currentLink(dataDir: string, videoId: string): string {
  return path.join(videoDir(dataDir, videoId), 'current');
}

function safeSegment(value: string): string {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(value)) throw new Error(`Not a safe folder name: ${JSON.stringify(value)}`);
  return value;
}
