import { VIDEO_ID_PATTERN } from '../media/layout';

/**
 * The one error catalogue: every error the API answers with has a code here, with its HTTP status and the message a
 * client sees. 4xx messages say what to fix; 5xx messages never carry internals.
 */
export const ERROR_CATALOGUE = {
  MALFORMED_REQUEST: { status: 400, message: 'The request is not valid HTTP' },
  INVALID_VIDEO_ID: { status: 400, message: `video_id must match ${VIDEO_ID_PATTERN.source}` },
  INVALID_MEDIA_PATH: {
    status: 400,
    message: 'A media path is current/<file> or runs/<run_id>/<file>, made of plain names (no "..", no "." segments)',
  },
  INVALID_UPLOAD: {
    status: 400,
    message: 'Send the video as multipart/form-data with one field named "file" (and optional id, title, process)',
  },
  INVALID_REQUEST: { status: 400, message: 'The request body is not valid' },
  INVALID_CALLBACK_URL: {
    status: 400,
    message:
      'callback_url must be an absolute https URL without credentials, at most 2,048 characters, to a public host',
  },
  CALLBACKS_DISABLED: {
    status: 400,
    message: 'This server sends no webhooks (WEBHOOK_SECRETS is not set): start the run without callback_url',
  },
  UNAUTHORIZED: { status: 401, message: 'A valid API key is required: send Authorization: Bearer <key>' },
  TOKEN_INVALID: {
    status: 401,
    message: 'The media token is not valid: mint one for this video with POST /api/v1/videos/{video_id}/tokens',
  },
  TOKEN_EXPIRED: {
    status: 401,
    message: 'The media token has expired: mint a new one with POST /api/v1/videos/{video_id}/tokens',
  },
  HOST_NOT_ALLOWED: {
    status: 403,
    message:
      'Without API keys this API answers only for loopback names and the address it listens on; add this host name to ALLOWED_HOSTS',
  },
  CROSS_SITE_REQUEST: {
    status: 403,
    message:
      'Requests that change state are refused from the pages of other web sites; add the origin to ALLOWED_ORIGINS',
  },
  VIDEO_NOT_FOUND: { status: 404, message: 'No video with this id' },
  BATCH_NOT_FOUND: { status: 404, message: 'No batch with this id' },
  TASK_NOT_FOUND: { status: 404, message: 'This video has never been reprocessed' },
  MEDIA_NOT_FOUND: { status: 404, message: 'No such file among the published outputs of this video' },
  ROUTE_NOT_FOUND: { status: 404, message: 'No such route' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'This route does not accept this method' },
  VIDEO_ALREADY_EXISTS: { status: 409, message: 'A video with this id already exists; choose another id' },
  TASK_ALREADY_RUNNING: { status: 409, message: 'A reprocessing run is already open for this video' },
  BATCH_ALREADY_EXISTS: { status: 409, message: 'A batch with this id already exists; choose another id' },
  BATCH_NOT_RUNNING: { status: 409, message: 'This batch has ended: it can no longer be paused, resumed or cancelled' },
  TASK_NOT_RUNNING: {
    status: 409,
    message: 'No reprocessing run is open for this video, so there is nothing to cancel',
  },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  TOO_MANY_STREAMS: {
    status: 429,
    message: 'Too many event streams are open: close one, or poll GET …/reprocess instead',
  },
  RANGE_NOT_SATISFIABLE: { status: 416, message: 'The requested byte range lies outside the file' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the request body as application/json' },
  INVALID_MEDIA: { status: 422, message: 'The file is not a video reprocess can read' },
  BATCH_EMPTY: { status: 422, message: 'The selection holds no video: there is nothing to reprocess' },
  INTERNAL_ERROR: { status: 500, message: 'Internal server error' },
  ORCHESTRATOR_UNAVAILABLE: { status: 503, message: 'The workflow service is unavailable; retry shortly' },
  CATALOG_UNAVAILABLE: { status: 503, message: 'The catalog database is unavailable; retry shortly' },
  NOT_READY: { status: 503, message: 'The service cannot take traffic yet: a dependency is unreachable' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Thrown by routes and middleware; the error middleware renders it in the envelope. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message ?? ERROR_CATALOGUE[code].message, options);
    this.status = ERROR_CATALOGUE[code].status;
  }
}

/**
 * What the error middleware and event streams answer with: an ApiError as it is, anything else as a plain 500 (the
 * orchestrator has already turned every Temporal error into the catalogue, so what is left is a bug).
 */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError('INTERNAL_ERROR', undefined, undefined, { cause: error });
}

/** What a zod parse found wrong, as an error's details: each issue's path (dotted) and message. */
export function issueDetails(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): {
  issues: { path: string; message: string }[];
} {
  return { issues: error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })) };
}
