import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { planLadder, type Rendition } from '../media/ladder';
import { buildProbeArgs, parseProbeOutput, type VideoInfo } from '../media/probe';
import { runTool } from '../media/runner';
import type { ActivityDeps } from './deps';
import { probeFailureToMediaError, toActivityFailure } from './failures';
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
      const { stdout } = await runTool(deps.ffprobePath, buildProbeArgs(source), {
        captureStdout: true,
        signal: Context.current().cancellationSignal,
        timeoutMs: deps.probeTimeoutMs,
      }).catch((error: unknown) => {
        throw probeFailureToMediaError(error);
      });
      const info = parseProbeOutput(stdout);
      const out = currentStagingDir(deps.dataDir, videoId);
      await fs.mkdir(out, { recursive: true });
      await fs.writeFile(path.join(out, 'info.json'), JSON.stringify(info, null, 2));
      return { info, renditions: planLadder(info, renditions) };
    } catch (error) {
      throw toActivityFailure(error);
    }
  };
}
