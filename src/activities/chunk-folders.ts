import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Where the parts of a chunked transcode work, inside the run's staging folder: `chunks/<part>/attempt-<n>` for each
 * attempt, and `chunks/<part>/done` once one attempt has finished the part. An attempt writes only into its own
 * folder and its work becomes the part's by one rename, so the late ffmpeg of a worker given up for lost can never
 * overwrite a finished part: its rename fails, and its folder is discarded.
 */
export interface PartFolders {
  attempt: string;
  done: string;
  /** The part's earlier attempts' folders, most recent first. */
  earlier(): Promise<string[]>;
}

export const CHUNKS_DIR = 'chunks';

export function partFolders(out: string, part: string, attempt: number): PartFolders {
  const base = path.join(out, CHUNKS_DIR, part);
  return {
    attempt: path.join(base, `attempt-${attempt}`),
    done: path.join(base, 'done'),
    async earlier() {
      const names = await fs.readdir(base).catch(() => [] as string[]);
      return names
        .map((name) => /^attempt-(\d+)$/.exec(name))
        .filter((match): match is RegExpExecArray => match !== null && Number(match[1]) < attempt)
        .sort((a, b) => Number(b[1]) - Number(a[1]))
        .map((match) => path.join(base, match[0]));
    },
  };
}

/**
 * Makes an attempt's folder the part's: true when this attempt's rename did it, false when another attempt had
 * already finished the part (its work is as good; this attempt's is dropped). Other attempts' folders go either way.
 */
export async function completePart(folders: PartFolders): Promise<boolean> {
  let won = true;
  try {
    await fs.rename(folders.attempt, folders.done);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    won = false;
    await fs.rm(folders.attempt, { recursive: true, force: true });
  }
  for (const folder of await folders.earlier()) await fs.rm(folder, { recursive: true, force: true });
  return won;
}
