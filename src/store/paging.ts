import { sql, type SelectQueryBuilder } from 'kysely';

/**
 * Keyset paging, shared by every list the catalog answers (videos, runs, batches): rows in (created_at, key)
 * order, and an opaque cursor naming the last row of a page.
 */

export interface Page<T> {
  items: T[];
  /** Opaque; pass it back as `cursor` for the next page. Null on the last page. */
  nextCursor: string | null;
}

/** The last row of a page: its creation instant and its own key (id, run id) to break ties. */
export interface Cursor {
  createdAt: string;
  key: string;
}

const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url');

/** Reads a cursor this catalog wrote; anything else is refused, never passed to a query. */
export function decodeCursor(value: string): Cursor | null {
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<Cursor>;
    return typeof parsed.createdAt === 'string' && typeof parsed.key === 'string'
      ? { createdAt: parsed.createdAt, key: parsed.key }
      : null;
  } catch {
    return null;
  }
}

/** A page of `limit` rows from `limit + 1` read: the extra row only says that another page follows. */
export function page<T>(rows: T[], limit: number, cursorOf: (row: T) => Cursor): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(cursorOf(last)) : null };
}

/**
 * The rows of `query` after `cursor` in (created_at, key) order, newest first (`desc`) or oldest first (`asc`), one
 * more than `limit` (for `page`). `columns` name the two columns as the query knows them.
 */
export function keysetSlice<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  columns: { createdAt: string; key: string },
  options: { cursor: Cursor | null; order: 'asc' | 'desc'; limit: number },
): SelectQueryBuilder<DB, TB, O> {
  const createdAt = sql.ref(columns.createdAt);
  const key = sql.ref(columns.key);
  const past = options.order === 'desc' ? sql.raw('<') : sql.raw('>');
  const { cursor } = options;
  const after = cursor
    ? query.where(
        sql<boolean>`(${createdAt} ${past} ${cursor.createdAt} or (${createdAt} = ${cursor.createdAt} and ${key} ${past} ${cursor.key}))`,
      )
    : query;
  return after
    .orderBy(createdAt, options.order)
    .orderBy(key, options.order)
    .limit(options.limit + 1);
}
