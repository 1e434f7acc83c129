import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { MediaError, ToolFailedError } from '../media/errors';
import { planChunks, type Chunk } from '../media/chunks';
import { planLadder, type Rendition } from '../media/ladder';
import type { VideoInfo } from '../media/probe';
import { probeFile } from '../media/probe-file';
import type { ActivityDeps } from './deps';
import { toActivityFailure } from './failures';
import { currentStagingDir, requireSource } from './source';

export interface ProbeInput {
  videoId: string;
  /** Rendition heights asked for; the ladder never goes above the source. */
  renditions?: number[];
}

export interface ProbeOutcome {
  info: VideoInfo;
  renditions: Rendition[];
  /** The ladder's chunks (absent from the answers of workers before chunked transcodes). */
  chunks?: Chunk[];
}

/**
 * ffprobe the source: refuses what is not a playable video, plans the ladder and its chunks, writes info.json to
 * staging.
 */
export function createProbe(deps: ActivityDeps) {
  return async function probe({ videoId, renditions }: ProbeInput): Promise<ProbeOutcome> {
    try {
      const source = await requireSource(deps.dataDir, videoId);
      const info = await probeFile(deps.ffprobePath, source, {
        signal: Context.current().cancellationSignal,
        timeoutMs: deps.probeTimeoutMs,
      });
      const out = currentStagingDir(deps.dataDir, videoId);
      await fs.mkdir(out, { recursive: true });
      await fs.writeFile(path.join(out, 'info.json'), JSON.stringify(info, null, 2));
      return {
        info,
        renditions: planLadder(info, renditions),
        chunks: planChunks(info, deps.transcodeParallelism ?? deps.cores ?? 1),
      };
    } catch (error) {
      // The refusal speaks the user's words; the tool's own, which an operator may need, go to the log.
      if (error instanceof MediaError && error.cause instanceof ToolFailedError) {
        Context.current().log.warn('the source was refused', {
          videoId,
          refusal: error.message,
          tool: error.cause.message,
        });
      }
      throw toActivityFailure(error);
    }
  };
}
