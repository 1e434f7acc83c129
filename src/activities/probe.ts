import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
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
}

/** ffprobe the source: refuses what is not a playable video, plans the ladder, writes info.json to staging. */
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
      return { info, renditions: planLadder(info, renditions) };
    } catch (error) {
      throw toActivityFailure(error);
    }
  };
}
