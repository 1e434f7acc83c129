import { MediaError } from '../media/errors';
import { Context } from '@temporalio/activity';
import { findSourceFile, stagingDir } from '../media/layout';

/** The video's source file, or a non-retryable VideoNotFound. */
export async function requireSource(dataDir: string, videoId: string): Promise<string> {
  const source = await findSourceFile(dataDir, videoId);
  if (source === null) throw new MediaError('VideoNotFound', `video ${videoId} has no source file`);
  return source;
}

/** The workflow execution the current activity belongs to; its run id names the run's folders. */
export function currentExecution(): { workflowId: string; runId: string } {
  const execution = Context.current().info.workflowExecution;
  if (!execution) throw new Error('this activity must run on behalf of a workflow');
  return execution;
}

/** The current run's staging folder for a video. */
export function currentStagingDir(dataDir: string, videoId: string): string {
  return stagingDir(dataDir, videoId, currentExecution().runId);
}
