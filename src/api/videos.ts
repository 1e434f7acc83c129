import { findSourceFile } from '../media/layout';
import { ApiError } from './errors';

/** VIDEO_NOT_FOUND unless the video's source file is in place. */
export async function requireVideo(dataDir: string, videoId: string): Promise<void> {
  if ((await findSourceFile(dataDir, videoId)) === null) {
    throw new ApiError('VIDEO_NOT_FOUND', `No video ${videoId}: put its file at media/${videoId}/source.<ext>`, {
      video_id: videoId,
    });
  }
}

export const statusUrl = (videoId: string) => `/api/v1/videos/${videoId}/reprocess`;
export const eventsUrl = (videoId: string) => `${statusUrl(videoId)}/events`;
