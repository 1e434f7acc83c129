import { z } from 'zod';
import {
  AsyncTaskResponse,
  CancelResponse,
  ErrorEnvelope,
  HealthResponse,
  IngestResponse,
  ReadinessResponse,
  BatchAccepted,
  BatchCancelRequest,
  BatchPage,
  BatchRequest,
  BatchResponse,
  MediaTokenResponse,
  ReprocessRequest,
  RunHistoryPage,
  ServiceInfoResponse,
  RunRecord,
  SubTaskProgress,
  TaskProgressResponse,
  VideoPage,
  VideoResponse,
} from './models';

/** Every model the document names, as components; the routes validate with the very same objects. */
const COMPONENTS = {
  ReprocessRequest,
  AsyncTaskResponse,
  TaskProgressResponse,
  SubTaskProgress,
  CancelResponse,
  VideoResponse,
  IngestResponse,
  VideoPage,
  RunRecord,
  RunHistoryPage,
  HealthResponse,
  ReadinessResponse,
  MediaTokenResponse,
  ServiceInfoResponse,
  BatchRequest,
  BatchCancelRequest,
  BatchAccepted,
  BatchResponse,
  BatchPage,
  ErrorEnvelope,
} as const;

export type ComponentName = keyof typeof COMPONENTS;

export const ref = (name: ComponentName) => ({ $ref: `#/components/schemas/${name}` });

/** The components' JSON Schemas, each referring to the others by `$ref`. */
export function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(COMPONENTS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}` });
  // Each schema lives inside the document, so its own `$schema` and `$id` would only confuse tools.
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => {
      const own = { ...(schema as Record<string, unknown>) };
      delete own['$schema'];
      delete own['$id'];
      return [id, own];
    }),
  );
}
