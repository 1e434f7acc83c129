import type { ErrorCode } from '../../src/api/errors';

/**
 * The codes answered by the catalog's routes (upload, /media), exercised in catalog-api.test.ts; api.test.ts
 * exercises every other code. Between them, each code of the catalogue is answered by a test.
 */
export const CATALOG_ROUTE_CODES: readonly ErrorCode[] = [
  'INVALID_MEDIA',
  'INVALID_MEDIA_PATH',
  'INVALID_UPLOAD',
  'MEDIA_NOT_FOUND',
  'RANGE_NOT_SATISFIABLE',
  'VIDEO_ALREADY_EXISTS',
];
