import { promises as fs } from 'node:fs';
import path from 'node:path';
import { findSourceFile } from '../media/layout';
import { VideoExistsError, type Catalog, type NewVideoRow } from '../store';
import type { StepName } from '../progress';
import { ApiError } from './errors';
import { TITLE_MAX_LENGTH, type AsyncTaskResponse } from './models';

/** Resolves when the video exists; rejects with VIDEO_NOT_FOUND otherwise. */
export type VideoCheck = (videoId: string) => Promise<void>;

/** The check when the video's source file on disk is what makes it exist. */
export function videoOnDisk(dataDir: string): VideoCheck {
  return async (videoId) => {
    if ((await findSourceFile(dataDir, videoId)) === null) throw videoNotFound(videoId);
  };
}

/**
 * The check against the catalog. A video whose source file was put in place by hand (`media/<id>/source.<ext>`) is
 * adopted into the catalog the first time it is asked for, so dropping a file in stays a way to add a video.
 */
export function videoInCatalog(catalog: Catalog, dataDir: string): VideoCheck {
  return async (videoId) => {
    if (await fromCatalog(catalog.findVideo(videoId))) return;
    const source = await findSourceFile(dataDir, videoId);
    if (source === null) throw videoNotFound(videoId);
    try {
      await fromCatalog(
        catalog.insertVideo(
          newVideoRow({
            id: videoId,
            title: null,
            sourcePath: path.relative(dataDir, source),
            sizeBytes: (await fs.stat(source)).size,
            info: null,
          }),
        ),
      );
    } catch (error) {
      // Another request adopted it first: the video exists, which is all this check is about.
      if (!(error instanceof VideoExistsError)) throw error;
    }
  };
}

/** The one place a video's catalog row is made, whether it was uploaded or adopted from a file put in place. */
export function newVideoRow(video: {
  id: string;
  title: string | null;
  /** Relative to DATA_DIR. */
  sourcePath: string;
  sizeBytes: number;
  /** What ffprobe found; null until the video has been probed. */
  info: unknown;
}): NewVideoRow {
  const now = new Date().toISOString();
  return {
    id: video.id,
    title: video.title,
    source_path: video.sourcePath,
    size_bytes: video.sizeBytes,
    info: video.info === null ? null : JSON.stringify(video.info),
    current_run_id: null,
    created_at: now,
    updated_at: now,
  };
}

/**
 * The title an upload gets when the form gives none: the file's name as the client sent it, bounded like a title
 * field (zod counts UTF-16 units, and a character is never cut in half) and without control characters (it is
 * shown in lists and logs).
 */
export function titleFromFilename(name: string): string | null {
  // eslint-disable-next-line no-control-regex
  const printable = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').trim();
  let bounded = '';
  for (const character of printable) {
    if (bounded.length + character.length > TITLE_MAX_LENGTH) break;
    bounded += character;
  }
  bounded = bounded.trim();
  return bounded === '' ? null : bounded;
}

/**
 * A catalog call whose failure is the database's (unreachable, locked, closed): 503 CATALOG_UNAVAILABLE, with the
 * cause kept for the log. Errors the catalog means (VideoExistsError) pass through.
 */
export async function fromCatalog<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof VideoExistsError) throw error;
    throw new ApiError('CATALOG_UNAVAILABLE', undefined, undefined, { cause: error });
  }
}

export function videoNotFound(videoId: string): ApiError {
  return new ApiError(
    'VIDEO_NOT_FOUND',
    `No video ${videoId}: upload it with POST /api/v1/videos, or put its file at media/${videoId}/source.<ext>`,
    { video_id: videoId },
  );
}

export const statusUrl = (videoId: string) => `/api/v1/videos/${videoId}/reprocess`;
export const eventsUrl = (videoId: string) => `${statusUrl(videoId)}/events`;

/** The 202 body of a started run. */
export function acceptedRun(videoId: string, runId: string, steps: StepName[]): AsyncTaskResponse {
  return {
    video_id: videoId,
    workflow_id: videoId,
    run_id: runId,
    task_id: runId,
    status: 'accepted',
    steps,
    accepted_at: new Date().toISOString(),
    status_url: statusUrl(videoId),
    events_url: eventsUrl(videoId),
    message: `Reprocessing of ${videoId} started; follow it at the status_url or the events_url`,
  };
}
