import { decodeCursor, type Cursor } from '../store';
import { ApiError, issueDetails } from './errors';
import { PageQuery } from './models';

/** `?limit=&cursor=` of any list route; a cursor this API did not give is refused. */
export function parsePageQuery(query: unknown): { limit: number; cursor: Cursor | null } {
  const parsed = PageQuery.safeParse(query);
  if (!parsed.success) {
    throw new ApiError(
      'INVALID_REQUEST',
      'Query: limit is 1–100, cursor is a next_cursor from a previous page',
      issueDetails(parsed.error),
    );
  }
  const cursor = parsed.data.cursor === undefined ? null : decodeCursor(parsed.data.cursor);
  if (parsed.data.cursor !== undefined && cursor === null) {
    throw new ApiError('INVALID_REQUEST', 'The cursor is not one this API gave: pass next_cursor as it was');
  }
  return { limit: parsed.data.limit, cursor };
}
