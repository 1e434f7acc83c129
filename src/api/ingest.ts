import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MediaError } from '../media/errors';
import { findSourceFile, videoDir } from '../media/layout';
import { probeFile } from '../media/probe-file';
import { selectSteps } from '../progress';
import { VideoExistsError, type Catalog, type VideoRow } from '../store';
import { callbackFor, type CallbackSettings, type NotifyInput } from './callbacks';
import { ApiError, asApiError, issueDetails } from './errors';
import { IngestFields, type AsyncTaskResponse } from './models';
import type { StartRun } from './starts';
import type { ReceivedUpload } from './upload';
import { fromCatalog, newVideoRow, titleFromFilename } from './videos';

export interface IngestDeps {
  catalog: Catalog;
  dataDir: string;
  ffprobePath: string;
  startRun: StartRun;
  callbacks: CallbackSettings;
}

export interface Ingested {
  video: VideoRow;
  /** The run started with it (`process=true`), or null. */
  run: AsyncTaskResponse | null;
}

/** Extensions kept for the stored source; anything else is stored as `.bin` (ffprobe reads content, not names). */
const SOURCE_EXTENSION = /^\.(mp4|m4v|mov|mkv|webm|avi|mpg|mpeg|ts|m2ts|mts|flv|3gp|wmv|ogv|gif)$/i;

/**
 * Turns a received upload into a video: its fields checked, the file probed, the id reserved in the catalog, the
 * file linked into place (never over one that is there), and a run started when asked. Whatever is refused leaves
 * nothing behind: not the received file, not a folder, not a row.
 */
export async function ingestUpload(deps: IngestDeps, upload: ReceivedUpload): Promise<Ingested> {
  try {
    const fields = IngestFields.safeParse(upload.fields);
    if (!fields.success) throw new ApiError('INVALID_UPLOAD', undefined, issueDetails(fields.error));
    if (fields.data.callback_url !== undefined && fields.data.process !== 'true') {
      throw new ApiError('INVALID_UPLOAD', 'callback_url announces a run: send it with process=true');
    }
    const notify = callbackFor(deps.callbacks, fields.data.callback_url);
    const videoId = fields.data.id ?? newVideoId();
    if (await findSourceFile(deps.dataDir, videoId)) throw alreadyExists(videoId);
    const info = await probeFile(deps.ffprobePath, upload.file.path, { timeoutMs: 60_000 }).catch((error: unknown) => {
      if (error instanceof MediaError) {
        throw new ApiError('INVALID_MEDIA', `Not a video reprocess can read: ${error.message}`);
      }
      throw error;
    });
    const source = sourcePathFor(deps.dataDir, videoId, upload.file.name);
    // The row is the reservation: of two uploads with one id, only the one that inserts it goes on to place its file.
    await fromCatalog(
      deps.catalog.insertVideo(
        newVideoRow({
          id: videoId,
          title: fields.data.title ?? titleFromFilename(upload.file.name),
          sourcePath: path.relative(deps.dataDir, source),
          sizeBytes: upload.file.size,
          info,
        }),
      ),
    ).catch((error: unknown) => {
      throw error instanceof VideoExistsError ? alreadyExists(videoId) : error;
    });
    await placeOrRollBack(deps, videoId, upload.file.path, source);
    const run = fields.data.process === 'true' ? await startAfterUpload(deps.startRun, videoId, notify) : null;
    const video = await fromCatalog(deps.catalog.findVideo(videoId));
    if (!video) throw new ApiError('INTERNAL_ERROR');
    return { video, run };
  } finally {
    await fs.rm(upload.file.path, { force: true });
  }
}

/** Where a video's source is stored: `media/<id>/source.<ext>`, the extension kept when it is a known one. */
function sourcePathFor(dataDir: string, videoId: string, clientName: string): string {
  const extension = path.extname(clientName);
  return path.join(
    videoDir(dataDir, videoId),
    `source${SOURCE_EXTENSION.test(extension) ? extension.toLowerCase() : '.bin'}`,
  );
}

/** Places the file, or takes the reservation back (the row, the folder) when it cannot be placed. */
async function placeOrRollBack(deps: IngestDeps, videoId: string, received: string, source: string): Promise<void> {
  try {
    await placeWithoutReplacing(received, source);
  } catch (error) {
    await deps.catalog.deleteVideo(videoId).catch(() => undefined);
    await fs.rmdir(path.dirname(source)).catch(() => undefined);
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw alreadyExists(videoId);
    throw error;
  }
}

/**
 * Puts the received file at `target` unless something is there already (EEXIST): a hard link, which is atomic and
 * refuses to replace, then the received name is dropped. Uploads are received on the media file system, so the
 * link never crosses devices.
 */
async function placeWithoutReplacing(received: string, target: string): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  await fs.link(received, target);
  await fs.rm(received, { force: true });
}

/** The video is in the catalog by now, and stays: a failed start says so, and the run can be started later. */
async function startAfterUpload(
  startRun: StartRun,
  videoId: string,
  notify: NotifyInput | undefined,
): Promise<AsyncTaskResponse> {
  try {
    return await startRun({ videoId, steps: selectSteps(undefined), ...(notify ? { notify } : {}) });
  } catch (error) {
    const failure = asApiError(error);
    throw new ApiError(
      failure.code,
      `Video ${videoId} was stored, but its run could not be started: ${failure.message} ` +
        `Start it with POST /api/v1/videos/${videoId}/reprocess.`,
      { ...failure.details, video_id: videoId, video_created: true },
      { cause: error },
    );
  }
}

function alreadyExists(videoId: string): ApiError {
  return new ApiError('VIDEO_ALREADY_EXISTS', undefined, { video_id: videoId });
}

/** A readable id for an upload that names none. */
function newVideoId(): string {
  return `v${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}
