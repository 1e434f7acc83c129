import type { z } from 'zod';
import {
  AsyncTaskResponse,
  BatchAccepted,
  BatchResponse,
  CancelResponse,
  ErrorEnvelope,
  IngestResponse,
  RunHistoryPage,
  TaskProgressResponse,
  VideoResponse,
} from '../../src/api/models';

/**
 * The examples docs/api.md shows, each a real response captured by `npm run docs:examples`, and the model it must
 * satisfy. A test parses every file with its model, and checks docs/api.md shows each file as it is.
 */
export const DOC_EXAMPLES = {
  upload: IngestResponse,
  'run-accepted': AsyncTaskResponse,
  'run-already-running': ErrorEnvelope,
  'progress-running': TaskProgressResponse,
  'progress-completed': TaskProgressResponse,
  'progress-stale': TaskProgressResponse,
  video: VideoResponse,
  history: RunHistoryPage,
  cancel: CancelResponse,
  'task-not-running': ErrorEnvelope,
  'batch-accepted': BatchAccepted,
  'batch-running': BatchResponse,
  'batch-completed': BatchResponse,
} satisfies Record<string, z.ZodType>;

export type DocExampleName = keyof typeof DOC_EXAMPLES;

/** `<!-- example: name -->` + a fenced json block + `<!-- /example -->` in the Markdown (blank lines allowed). */
export const EXAMPLE_BLOCK = /<!-- example: ([a-z-]+) -->\s*```json\n([\s\S]*?)\n```\s*<!-- \/example -->/g;
