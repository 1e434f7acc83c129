import { createAssembleLadder } from './assemble-ladder';
import { createAudio } from './audio';
import { createBatchActivities } from './batch';
import type { ActivityDeps } from './deps';
import { createNotify } from './notify';
import { createProbe } from './probe';
import { createDiscardStaging, createPublish } from './publish';
import { createRunRecords } from './records';
import { createProgressReporter } from './reporter';
import { createScenes } from './scenes';
import { createThumbnails } from './thumbnails';
import { createTranscode } from './transcode';
import { createTranscodeAudio } from './transcode-audio';
import { createTranscodeChunk } from './transcode-chunk';

export type { ActivityDeps, SignalProgress } from './deps';
export type { RunFinishedInput, RunStartedInput } from './records';

/** Builds the activities with their dependencies; the workflow proxies `ReturnType<typeof createActivities>`. */
export function createActivities(deps: ActivityDeps) {
  const track = createProgressReporter(deps.signalProgress, deps.observe);
  return {
    probe: createProbe(deps),
    thumbnails: createThumbnails(deps, track),
    transcode: createTranscode(deps, track),
    transcodeChunk: createTranscodeChunk(deps, track),
    transcodeAudio: createTranscodeAudio(deps, track),
    assembleLadder: createAssembleLadder(deps),
    audio: createAudio(deps, track),
    scenes: createScenes(deps, track),
    publish: createPublish(deps),
    discardStaging: createDiscardStaging(deps),
    ...createRunRecords(deps),
    ...createNotify(deps),
    ...createBatchActivities(deps.batches),
  };
}

export type Activities = ReturnType<typeof createActivities>;
