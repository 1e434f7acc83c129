import { Context } from '@temporalio/activity';
import { MediaError } from '../media/errors';
import { findSourceFile } from '../media/layout';
import { buildProbeArgs, parseProbeOutput, type VideoInfo } from '../media/probe';
import { runTool } from '../media/runner';
import type { ActivityDeps } from './deps';
import { probeFailureToMediaError, toActivityFailure } from './failures';

export interface ProbeInput {
  videoId: string;
}

export function createProbe(deps: ActivityDeps) {
  return async function probe({ videoId }: ProbeInput): Promise<VideoInfo> {
    try {
      const source = await findSourceFile(deps.dataDir, videoId);
      if (source === null) throw new MediaError('VideoNotFound', `video ${videoId} has no source file`);
      const { stdout } = await runTool(deps.ffprobePath, buildProbeArgs(source), {
        captureStdout: true,
        signal: Context.current().cancellationSignal,
        timeoutMs: deps.probeTimeoutMs,
      }).catch((error: unknown) => {
        throw probeFailureToMediaError(error);
      });
      return parseProbeOutput(stdout);
    } catch (error) {
      throw toActivityFailure(error);
    }
  };
}
