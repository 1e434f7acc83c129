import { findSourceFile } from '../media/layout';
import { ApiError } from './errors';

/** Resolves when the video exists; rejects with VIDEO_NOT_FOUND otherwise. */
export type VideoCheck = (videoId: string) => Promise<void>;

/** The check when the video's source file on disk is what makes it exist. */
export function videoOnDisk(dataDir: string): VideoCheck {
  return async (videoId) => {
    if ((await findSourceFile(dataDir, videoId)) === null) throw videoNotFound(videoId);
  };
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
