import Router, { type RouterMiddleware } from '@koa/router';
import type { z } from 'zod';
import type { RequestState } from './context';
import type { ErrorCode } from './errors';
import type { ComponentName } from './openapi-components';

/** What the OpenAPI document says of one operation, declared where its route is registered. */
export interface OperationSpec {
  operationId: string;
  tag: 'videos' | 'runs' | 'batches' | 'dashboard' | 'operations' | 'docs';
  summary: string;
  description?: string;
  /** An optional JSON body, as this model. */
  body?: ComponentName;
  /** Query parameters, as the zod model the route parses them with. */
  query?: z.ZodObject;
  /** A multipart/form-data upload: its fields beside `file`, as the zod model the service parses them with. */
  upload?: z.ZodObject;
  success: { status: number; description: string; model?: ComponentName; media?: string };
  /** Success answers other than the main one. */
  also?: { status: number; description: string };
  errors: readonly ErrorCode[];
  /** False for the one route open without a key. */
  auth?: boolean;
  lastEventId?: boolean;
  /** Also takes a media token as `?token=` instead of a key (see src/api/media-tokens.ts). */
  mediaToken?: boolean;
}

export interface Operation extends OperationSpec {
  method: 'get' | 'post' | 'delete';
  /** OpenAPI form: `{video_id}`, not Koa's `:video_id`. */
  path: string;
}

/** The error codes operations share. */
export const VIDEO_ERRORS = ['INVALID_VIDEO_ID', 'VIDEO_NOT_FOUND', 'CATALOG_UNAVAILABLE'] as const;
export const READ_ERRORS = [...VIDEO_ERRORS, 'TASK_NOT_FOUND', 'ORCHESTRATOR_UNAVAILABLE'] as const;

type Handler = RouterMiddleware<RequestState>;

/**
 * Registers each route together with the operation it answers, so the OpenAPI document is built from what is
 * served: a route cannot go undocumented, nor the document describe a route that is not there.
 */
export class ApiRouter {
  readonly router = new Router<RequestState>();
  private readonly registered: Operation[] = [];

  get operations(): readonly Operation[] {
    return this.registered;
  }

  get(path: string, spec: OperationSpec, ...handlers: Handler[]): this {
    return this.add('get', path, spec, handlers);
  }

  post(path: string, spec: OperationSpec, ...handlers: Handler[]): this {
    return this.add('post', path, spec, handlers);
  }

  delete(path: string, spec: OperationSpec, ...handlers: Handler[]): this {
    return this.add('delete', path, spec, handlers);
  }

  private add(method: Operation['method'], path: string, spec: OperationSpec, handlers: Handler[]): this {
    this.router[method](path, ...handlers);
    this.registered.push({ ...spec, method, path: openApiPath(path) });
    return this;
  }
}

/** Koa's `/media/:video_id/{*path}` in OpenAPI's form, `/media/{video_id}/{path}`. */
export function openApiPath(koaPath: string): string {
  return koaPath.replace(/\{\*([A-Za-z_]+)\}/g, '{$1}').replace(/:([A-Za-z_]+)/g, '{$1}');
}
