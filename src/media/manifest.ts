import { z } from 'zod';

/** The file every published run folder holds: what the run made, read by the API to list a video's outputs. */
export const MANIFEST_FILE = 'manifest.json';

/** The manifest's shape, declared once: the publish step writes it, the API reads it. */
export const PublishedManifest = z.object({
  video_id: z.string(),
  run_id: z.string(),
  published_at: z.string(),
  /** What the steps produced, by step. */
  outputs: z.record(z.string(), z.unknown()),
  /** Every file of the run folder, relative to it, with its size. */
  files: z.array(z.object({ path: z.string(), bytes: z.number().int().min(0) })),
});
export type PublishedManifest = z.infer<typeof PublishedManifest>;
