import { z } from 'zod';
import { STEP_NAMES } from '../progress';
import { VIDEO_ID_PATTERN } from '../media/layout';
import { DOCS_ASSET_NAMES } from './docs-assets';
import { ERROR_CATALOGUE, type ErrorCode } from './errors';
import {
  AsyncTaskResponse,
  CancelResponse,
  ErrorEnvelope,
  IngestResponse,
  RunHistoryPage,
  RunRecord,
  VideoPage,
  VideoResponse,
  HealthResponse,
  ReadinessResponse,
  ReprocessRequest,
  SubTaskProgress,
  TaskProgressResponse,
  VideoId,
} from './models';

const VIDEO_ID_PATTERN_SOURCE = VIDEO_ID_PATTERN.source;

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
  ErrorEnvelope,
} as const;
type ComponentName = keyof typeof COMPONENTS;

interface Operation {
  method: 'get' | 'post' | 'delete';
  /** OpenAPI form: `{video_id}`, not Koa's `:video_id`. */
  path: string;
  operationId: string;
  tag: 'videos' | 'runs' | 'operations' | 'docs';
  summary: string;
  description?: string;
  body?: ComponentName;
  success: { status: number; description: string; model?: ComponentName; media?: string };
  errors: readonly ErrorCode[];
  /** False for the one route open without a key. */
  auth?: boolean;
  lastEventId?: boolean;
  /** `limit` and `cursor` query parameters. */
  paged?: boolean;
  /** A multipart/form-data upload body. */
  upload?: boolean;
  /** Success answers other than the main one. */
  also?: { status: number; description: string };
}

const VIDEO_ERRORS = ['INVALID_VIDEO_ID', 'VIDEO_NOT_FOUND', 'CATALOG_UNAVAILABLE'] as const;
const COMMON_ERRORS = ['UNAUTHORIZED', 'INTERNAL_ERROR'] as const;
const START_ERRORS = [
  ...VIDEO_ERRORS,
  'INVALID_REQUEST',
  'TASK_ALREADY_RUNNING',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'ORCHESTRATOR_UNAVAILABLE',
] as const;
const READ_ERRORS = [...VIDEO_ERRORS, 'TASK_NOT_FOUND', 'ORCHESTRATOR_UNAVAILABLE'] as const;

const startOperation = (path: string, operationId: string, summary: string): Operation => ({
  method: 'post',
  path,
  operationId,
  tag: 'runs',
  summary,
  description:
    'Starts a run of ReprocessVideo for the video and answers at once; the body is optional. `probe` and `publish` ' +
    `always run; the steps are ${STEP_NAMES.join(', ')}. One run per video at a time.`,
  body: 'ReprocessRequest',
  success: { status: 202, description: 'The run is started; `Location` is its status URL', model: 'AsyncTaskResponse' },
  errors: START_ERRORS,
});

/** Every operation the API serves. A test checks this against the router, both ways. */
export const OPERATIONS: readonly Operation[] = [
  startOperation(
    '/api/v1/videos/{video_id}/run_sync',
    'startRunLegacy',
    'Start reprocessing (legacy name: it does not wait, it answers 202 at once)',
  ),
  startOperation('/api/v1/videos/{video_id}/reprocess', 'startRun', 'Start reprocessing'),
  {
    method: 'get',
    path: '/api/v1/videos/{video_id}/reprocess',
    operationId: 'getProgress',
    tag: 'runs',
    summary: 'Progress of the latest run',
    description:
      "Answered by the workflow's query handler within QUERY_TIMEOUT_MS. When the workflow cannot answer (no worker), " +
      "the answer comes from Temporal's record of the run with `stale: true` and a `message` saying why.",
    success: { status: 200, description: 'The latest run', model: 'TaskProgressResponse' },
    errors: READ_ERRORS,
  },
  {
    method: 'delete',
    path: '/api/v1/videos/{video_id}/reprocess',
    operationId: 'cancelRun',
    tag: 'runs',
    summary: 'Cancel the open run',
    description: 'Asks the open run to cancel; it ends `cancelled` once its steps have stopped and cleaned up.',
    success: { status: 202, description: 'Cancellation requested', model: 'CancelResponse' },
    errors: [...READ_ERRORS, 'TASK_NOT_RUNNING'],
  },
  {
    method: 'get',
    path: '/api/v1/videos/{video_id}/reprocess/events',
    operationId: 'followProgress',
    tag: 'runs',
    summary: 'Follow the latest run live (server-sent events)',
    description:
      'One `progress` event (data: TaskProgressResponse, `id` = seq) per change, `problem` events (data: ' +
      'ErrorEnvelope) while the workflow service is unreachable, keep-alive comments, then an `end` event after a ' +
      'terminal state. Send `Last-Event-ID` to resume; 204 when that client has already seen the end.',
    success: {
      status: 200,
      description: 'An event stream; each `progress` event carries a TaskProgressResponse',
      media: 'text/event-stream',
    },
    errors: [...READ_ERRORS, 'TOO_MANY_STREAMS'],
    lastEventId: true,
    also: { status: 204, description: 'The client has already seen the end of the run (its Last-Event-ID)' },
  },
  {
    method: 'post',
    path: '/api/v1/videos',
    operationId: 'uploadVideo',
    tag: 'videos',
    summary: 'Upload a video (multipart/form-data, streamed)',
    description:
      'Fields: `file` (the video, required), `id` (else one is made), `title`, `process=true` to start a run at once. ' +
      'The file is checked with ffprobe before it is accepted; a refused upload leaves nothing behind.',
    upload: true,
    success: { status: 201, description: 'The video; `Location` is its URL', model: 'IngestResponse' },
    errors: [
      'INVALID_UPLOAD',
      'VIDEO_ALREADY_EXISTS',
      'PAYLOAD_TOO_LARGE',
      'UNSUPPORTED_MEDIA_TYPE',
      'INVALID_MEDIA',
      'CATALOG_UNAVAILABLE',
      'ORCHESTRATOR_UNAVAILABLE',
    ],
  },
  {
    method: 'get',
    path: '/api/v1/videos',
    operationId: 'listVideos',
    tag: 'videos',
    summary: 'List videos, newest first',
    paged: true,
    success: { status: 200, description: 'A page of videos', model: 'VideoPage' },
    errors: ['INVALID_REQUEST', 'CATALOG_UNAVAILABLE'],
  },
  {
    method: 'get',
    path: '/api/v1/videos/{video_id}',
    operationId: 'getVideo',
    tag: 'videos',
    summary: 'A video: its info, published outputs and latest run',
    success: { status: 200, description: 'The video', model: 'VideoResponse' },
    errors: VIDEO_ERRORS,
  },
  {
    method: 'get',
    path: '/api/v1/videos/{video_id}/reprocess/history',
    operationId: 'runHistory',
    tag: 'runs',
    summary: "The video's runs, newest first, from the catalog",
    paged: true,
    success: { status: 200, description: 'A page of runs', model: 'RunHistoryPage' },
    errors: [...VIDEO_ERRORS, 'INVALID_REQUEST'],
  },
  {
    method: 'get',
    path: '/media/{video_id}/{path}',
    operationId: 'getMedia',
    tag: 'videos',
    summary: 'A published output: current/<file> or runs/<run_id>/<file>',
    description:
      'Content types for m3u8, ts, m4s, mp4, m4a, vtt, jpg, json; single byte ranges (206, 416); ETag and ' +
      'Last-Modified validators (304); run folders are immutable, `current/` is cached for 60 s.',
    success: { status: 200, description: 'The file', media: 'application/octet-stream' },
    also: { status: 206, description: 'The requested byte range' },
    errors: ['INVALID_VIDEO_ID', 'INVALID_MEDIA_PATH', 'MEDIA_NOT_FOUND', 'RANGE_NOT_SATISFIABLE'],
  },
  {
    method: 'get',
    path: '/healthz',
    operationId: 'health',
    tag: 'operations',
    summary: 'Liveness: the process answers',
    success: { status: 200, description: 'Alive', model: 'HealthResponse' },
    errors: [],
    auth: false,
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'readiness',
    tag: 'operations',
    summary: 'Readiness: the dependencies answer',
    success: { status: 200, description: 'Ready', model: 'ReadinessResponse' },
    errors: ['NOT_READY'],
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    tag: 'operations',
    summary: 'Prometheus metrics',
    success: { status: 200, description: 'Prometheus text exposition format', media: 'text/plain' },
    errors: [],
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    tag: 'docs',
    summary: 'This document',
    success: { status: 200, description: 'OpenAPI 3.1', media: 'application/json' },
    errors: [],
  },
  {
    method: 'get',
    path: '/docs',
    operationId: 'docs',
    tag: 'docs',
    summary: 'Interactive API docs (assets served locally)',
    success: { status: 200, description: 'HTML page', media: 'text/html' },
    errors: [],
  },
  {
    method: 'get',
    path: '/docs/assets/{name}',
    operationId: 'docsAsset',
    tag: 'docs',
    summary: "The docs page's scripts and styles",
    success: { status: 200, description: 'CSS or JavaScript', media: 'text/css' },
    errors: ['ROUTE_NOT_FOUND'],
  },
];

/** The OpenAPI 3.1 document, generated from the zod models and the operation table. */
export function buildOpenApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of OPERATIONS) {
    paths[operation.path] ??= {};
    paths[operation.path]![operation.method] = describeOperation(operation);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'reprocess',
      version,
      description:
        'Durable video reprocessing with live progress. Every error has one envelope: `{"error": {"code", ' +
        '"message", "details", "request_id"}}`; its codes are listed per operation.',
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'videos', description: 'Upload, list and read videos, and fetch their outputs' },
      { name: 'runs', description: "Start, follow and cancel a video's reprocessing runs" },
      { name: 'operations', description: 'Health, readiness and metrics' },
      { name: 'docs', description: 'This document and its page' },
    ],
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'One of the API_KEYS; not needed when none are set',
        },
      },
    },
  };
}

function describeOperation(operation: Operation): Record<string, unknown> {
  const parameters: unknown[] = [];
  if (operation.path.includes('{video_id}')) {
    parameters.push({
      name: 'video_id',
      in: 'path',
      required: true,
      description: 'The video; also the workflow id',
      schema: z.toJSONSchema(VideoId),
    });
  }
  if (operation.path.includes('{path}')) {
    parameters.push({
      name: 'path',
      in: 'path',
      required: true,
      description: 'current/<file> or runs/<run_id>/<file>; may contain slashes',
      schema: { type: 'string' },
    });
  }
  if (operation.paged) {
    parameters.push(
      {
        name: 'limit',
        in: 'query',
        required: false,
        schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
      },
      {
        name: 'cursor',
        in: 'query',
        required: false,
        description: 'next_cursor of the previous page',
        schema: { type: 'string' },
      },
    );
  }
  if (operation.path.includes('{name}')) {
    parameters.push({ name: 'name', in: 'path', required: true, schema: { type: 'string', enum: DOCS_ASSET_NAMES } });
  }
  if (operation.lastEventId) {
    parameters.push({
      name: 'Last-Event-ID',
      in: 'header',
      required: false,
      description: 'The id (seq) of the last event seen; only later events are sent',
      schema: { type: 'string', pattern: '^\\d+$' },
    });
  }
  parameters.push({
    name: 'X-Request-Id',
    in: 'header',
    required: false,
    description: 'Echoed back and used in logs; one is made when absent',
    schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
  });

  const { success } = operation;
  const responses: Record<string, unknown> = {
    [success.status]: {
      description: success.description,
      content: {
        [success.media ?? 'application/json']: {
          schema: success.model ? ref(success.model) : { type: 'string' },
        },
      },
    },
  };
  if (operation.also) responses[operation.also.status] = { description: operation.also.description };
  const errors: ErrorCode[] = [...operation.errors];
  if (operation.auth !== false) errors.push(...COMMON_ERRORS);
  // Any request Node's HTTP parser refuses, whatever its route; and, without keys, any naming a host not served.
  errors.push('MALFORMED_REQUEST', 'HEADERS_TOO_LARGE', 'HOST_NOT_ALLOWED');
  if (operation.method !== 'get') errors.push('CROSS_SITE_REQUEST');
  if (operation.path.includes('{video_id}')) errors.push('METHOD_NOT_ALLOWED');
  for (const [status, codes] of groupByStatus(errors)) {
    responses[status] = {
      description: codes.map((code) => `${code}: ${ERROR_CATALOGUE[code].message}`).join(' · '),
      content: { 'application/json': { schema: ref('ErrorEnvelope') } },
    };
  }

  return {
    operationId: operation.operationId,
    tags: [operation.tag],
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    ...(operation.auth === false ? { security: [] } : {}),
    parameters,
    ...(operation.body
      ? { requestBody: { required: false, content: { 'application/json': { schema: ref(operation.body) } } } }
      : {}),
    ...(operation.upload
      ? { requestBody: { required: true, content: { 'multipart/form-data': { schema: UPLOAD_SCHEMA } } } }
      : {}),
    responses,
  };
}

function groupByStatus(codes: readonly ErrorCode[]): Map<number, ErrorCode[]> {
  const groups = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = ERROR_CATALOGUE[code].status;
    groups.set(status, [...(groups.get(status) ?? []), code]);
  }
  return new Map([...groups].sort(([a], [b]) => a - b));
}

const UPLOAD_SCHEMA = {
  type: 'object',
  required: ['file'],
  properties: {
    file: { type: 'string', contentMediaType: 'application/octet-stream', description: 'The video file' },
    id: { type: 'string', pattern: VIDEO_ID_PATTERN_SOURCE },
    title: { type: 'string', maxLength: 500 },
    process: { type: 'string', enum: ['true', 'false'] },
  },
};

const ref = (name: ComponentName) => ({ $ref: `#/components/schemas/${name}` });

function componentSchemas(): Record<string, unknown> {
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
