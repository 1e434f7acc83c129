import type { ErrorCode } from '../../src/api/errors';

/**
 * The codes answered by the catalog's routes (upload, /media), exercised in catalog-api.test.ts; api.test.ts
 * exercises every other code but the two of malformed HTTP, which client-errors.test.ts does, and those of hostile
 * clients (hostile-clients.test.ts). Between them, each code
 * of the catalogue is answered by a test.
 */
export const CATALOG_ROUTE_CODES: readonly ErrorCode[] = [
  'INVALID_MEDIA',
  'INVALID_MEDIA_PATH',
  'INVALID_UPLOAD',
  'MEDIA_NOT_FOUND',
  'RANGE_NOT_SATISFIABLE',
  'VIDEO_ALREADY_EXISTS',
];

/** The codes that keep hostile clients and web pages out, each answered by a test in hostile-clients.test.ts. */
export const HOSTILE_CLIENT_CODES: readonly ErrorCode[] = [
  'HOST_NOT_ALLOWED',
  'CROSS_SITE_REQUEST',
  'TOO_MANY_STREAMS',
];

/** Answered before the app sees the request (client-errors.test.ts). */
export const MALFORMED_HTTP_CODES: readonly ErrorCode[] = ['MALFORMED_REQUEST', 'HEADERS_TOO_LARGE'];
