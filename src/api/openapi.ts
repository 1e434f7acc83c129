import { z } from 'zod';
import { DASHBOARD_ASSETS, DOCS_ASSET_NAMES } from './docs-assets';
import { ERROR_CATALOGUE, type ErrorCode } from './errors';
import { BatchId, VideoId } from './models';
import { componentSchemas, ref } from './openapi-components';
import type { Operation } from './operations';

/** Codes every keyed operation can answer. */
const COMMON_ERRORS = ['UNAUTHORIZED', 'INTERNAL_ERROR'] as const;

/** The OpenAPI 3.1 document of the operations the router serves, with the zod models as components. */
export function buildOpenApiDocument(version: string, operations: readonly Operation[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operations) {
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
      { name: 'batches', description: 'Reprocess part or all of the catalog: start, follow, pause, resume, cancel' },
      { name: 'dashboard', description: 'The web dashboard served at `/`, and what it asks of the API' },
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
        mediaToken: {
          type: 'apiKey',
          in: 'query',
          name: 'token',
          description:
            "A media token from POST /api/v1/videos/{video_id}/tokens: read-only, for that video's event stream and " +
            '/media files only, until it expires',
        },
      },
    },
  };
}

function describeOperation(operation: Operation): Record<string, unknown> {
  return {
    operationId: operation.operationId,
    tags: [operation.tag],
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    ...(operation.auth === false ? { security: [] } : {}),
    ...(operation.mediaToken ? { security: [{ bearerAuth: [] }, { mediaToken: [] }] } : {}),
    parameters: parametersOf(operation),
    ...(operation.body
      ? { requestBody: { required: false, content: { 'application/json': { schema: ref(operation.body) } } } }
      : {}),
    ...(operation.upload
      ? {
          requestBody: {
            required: true,
            content: { 'multipart/form-data': { schema: uploadSchema(operation.upload) } },
          },
        }
      : {}),
    responses: responsesOf(operation),
  };
}

function parametersOf(operation: Operation): unknown[] {
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
  if (operation.path.includes('{name}')) {
    parameters.push({ name: 'name', in: 'path', required: true, schema: { type: 'string', enum: DOCS_ASSET_NAMES } });
  }
  if (operation.path.includes('{batch_id}')) {
    parameters.push({ name: 'batch_id', in: 'path', required: true, schema: z.toJSONSchema(BatchId) });
  }
  if (operation.path.includes('{asset}')) {
    parameters.push({ name: 'asset', in: 'path', required: true, schema: { type: 'string', enum: DASHBOARD_ASSETS } });
  }
  if (operation.query) parameters.push(...queryParameters(operation.query));
  if (operation.mediaToken) {
    parameters.push({
      name: 'token',
      in: 'query',
      required: false,
      description: 'A media token for this video, where a header cannot be sent (EventSource, <video>, hls.js)',
      schema: { type: 'string' },
    });
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
  return parameters;
}

/** A query model's fields as query parameters, each with the schema (and description) the model gives it. */
function queryParameters(model: z.ZodObject): unknown[] {
  const schema = z.toJSONSchema(model, { io: 'input' }) as {
    properties?: Record<string, { description?: string } & Record<string, unknown>>;
    required?: string[];
  };
  return Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: 'query',
      required: schema.required?.includes(name) ?? false,
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

/** An upload's multipart body: the video as `file`, and the fields its model declares. */
function uploadSchema(fields: z.ZodObject): Record<string, unknown> {
  const schema = z.toJSONSchema(fields, { io: 'input' }) as { properties?: Record<string, unknown> };
  return {
    type: 'object',
    required: ['file'],
    properties: {
      file: { type: 'string', contentMediaType: 'application/octet-stream', description: 'The video file' },
      ...schema.properties,
    },
  };
}

function responsesOf(operation: Operation): Record<string, unknown> {
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
  if (operation.mediaToken) errors.push('TOKEN_INVALID', 'TOKEN_EXPIRED');
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
  return responses;
}

function groupByStatus(codes: readonly ErrorCode[]): Map<number, ErrorCode[]> {
  const groups = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = ERROR_CATALOGUE[code].status;
    groups.set(status, [...(groups.get(status) ?? []), code]);
  }
  return new Map([...groups].sort(([a], [b]) => a - b));
}
