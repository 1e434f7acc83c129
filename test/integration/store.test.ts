import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/store';
import {
  Catalog,
  decodeCursor,
  MIGRATION_NAMES,
  migrateDown,
  migrateToLatest,
  migrateToZero,
  openCatalog,
  pendingMigrations,
  VideoExistsError,
  BatchExistsError,
  BatchRecords,
  type SelectionPosition,
  type VideoSelection,
} from '../../src/store';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/databases';

const video = (id: string, createdAt: string) => ({
  id,
  title: `Video ${id}`,
  source_path: `media/${id}/source.mp4`,
  size_bytes: 5_000_000_000,
  info: null,
  current_run_id: null,
  created_at: createdAt,
  updated_at: createdAt,
});

/** Tables, columns and indexes as the database itself reports them, for comparing schemas. */
async function describeSchema(db: Kysely<Database>, dialect: string): Promise<string[]> {
  if (dialect === 'sqlite') {
    const rows = await sql<{ type: string; name: string; sql: string | null }>`
      select type, name, sql from sqlite_master where name not like 'kysely_%' and name not like 'sqlite_%'
      order by type, name`.execute(db);
    return rows.rows.map((row) => `${row.type} ${row.name} ${row.sql ?? ''}`);
  }
  const columns = await sql<{ t: string; c: string; d: string; n: string }>`
    select table_name t, column_name c, data_type d, is_nullable n from information_schema.columns
    where table_schema = 'public' and table_name not like 'kysely_%' order by t, c`.execute(db);
  const indexes = await sql<{ i: string; d: string }>`
    select indexname i, indexdef d from pg_indexes where schemaname = 'public' and tablename not like 'kysely_%'
    order by i`.execute(db);
  return [...columns.rows.map((r) => `column ${r.t}.${r.c} ${r.d} ${r.n}`), ...indexes.rows.map((r) => `index ${r.d}`)];
}

describe('openCatalog on a shared SQLite file', () => {
  it('migrates once when several open the same fresh file at the same moment', async () => {
    const test = await createTestDatabase('sqlite');
    try {
      const opened = await Promise.all(
        [0, 1, 2].map(() => openCatalog({ databaseUrl: null, dataDir: test.dataDir, migrate: true })),
      );
      for (const { database } of opened) expect(await pendingMigrations(database.db)).toEqual([]);
      await Promise.all(opened.map(({ database }) => database.close()));
    } finally {
      await test.drop();
    }
  });
});

describe.each(DIALECTS)('catalog on %s', (dialect) => {
  let test: TestDatabase;
  let catalog: Catalog;

  beforeAll(async () => {
    test = await createTestDatabase(dialect);
    await migrateToLatest(test.database.db);
    catalog = new Catalog(test.database.db);
  });

  afterAll(async () => {
    await test.drop();
  });

  describe('migrations', () => {
    it('has nothing pending once migrated', async () => {
      expect(await pendingMigrations(test.database.db)).toEqual([]);
    });

    it('keeps videos and runs through a down and up of the latest migration', async () => {
      await catalog.insertVideo(video('kept', '2026-01-01T00:00:00.000Z'));
      expect(await migrateDown(test.database.db)).toEqual([MIGRATION_NAMES.at(-1)]);
      expect(await pendingMigrations(test.database.db)).toEqual([MIGRATION_NAMES.at(-1)]);
      expect((await catalog.findVideo('kept'))?.title).toBe('Video kept');
      await migrateToLatest(test.database.db);
      expect((await catalog.findVideo('kept'))?.size_bytes).toBe(5_000_000_000);
    });

    it('up → down to zero → up again leaves the same schema', async () => {
      const before = await describeSchema(test.database.db, dialect);
      expect(before.length).toBeGreaterThanOrEqual(4);
      await migrateToZero(test.database.db);
      expect(await describeSchema(test.database.db, dialect)).toEqual([]);
      expect(await pendingMigrations(test.database.db)).toEqual(MIGRATION_NAMES);
      await migrateToLatest(test.database.db);
      expect(await describeSchema(test.database.db, dialect)).toEqual(before);
    });
  });

  describe('videos', () => {
    it('refuses a second video with the same id', async () => {
      await catalog.insertVideo(video('twice', '2026-01-02T00:00:00.000Z'));
      await expect(catalog.insertVideo(video('twice', '2026-01-02T00:00:00.000Z'))).rejects.toBeInstanceOf(
        VideoExistsError,
      );
    });

    it('lists videos newest first, page by page, each exactly once', async () => {
      const ids = Array.from({ length: 7 }, (_, index) => `page-${index}`);
      // Two share a timestamp, so the id must break the tie.
      for (const [index, id] of ids.entries()) {
        await catalog.insertVideo(video(id, `2030-01-0${Math.min(index, 5) + 1}T00:00:00.000Z`));
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await catalog.listVideos({ limit: 3, cursor: cursor ? decodeCursor(cursor) : null });
        seen.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor;
      } while (cursor);
      const mine = seen.filter((id) => id.startsWith('page-'));
      expect(mine).toEqual(['page-6', 'page-5', 'page-4', 'page-3', 'page-2', 'page-1', 'page-0']);
      expect(new Set(seen).size).toBe(seen.length);
    });

    it('refuses cursors it did not write', () => {
      expect(decodeCursor('not-a-cursor')).toBeNull();
      expect(decodeCursor(Buffer.from('{"createdAt":1}').toString('base64url'))).toBeNull();
    });
  });

  describe('runs', () => {
    const start = {
      runId: 'run-a',
      videoId: 'kept',
      workflowId: 'kept',
      steps: ['probe', 'publish'],
      startedAt: '2026-02-01T00:00:00.000Z',
      snapshot: { status: 'queued', progress: 0 },
    };

    beforeAll(async () => {
      // The migration tests above may have dropped every table and row; runs need their video back.
      if (!(await catalog.findVideo('kept'))) await catalog.insertVideo(video('kept', '2026-01-01T00:00:00.000Z'));
    });

    it('records a start once, however often it is retried, and its outcome in place', async () => {
      await catalog.recordRunStarted(start);
      await catalog.recordRunStarted(start);
      expect(await catalog.findRun('run-a')).toMatchObject({ status: 'running', finished_at: null });

      await catalog.saveSnapshot('run-a', { status: 'running', progress: 40, snapshot: { seq: 3 } });
      expect(await catalog.findRun('run-a')).toMatchObject({ progress: 40 });
      // Out of order (another API instance, an older answer): never backwards; a final status is not the API's to write.
      await catalog.saveSnapshot('run-a', { status: 'running', progress: 30, snapshot: { seq: 2 } });
      await catalog.saveSnapshot('run-a', { status: 'completed', progress: 100, snapshot: { seq: 9 } });
      expect(await catalog.findRun('run-a')).toMatchObject({ progress: 40, status: 'running', finished_at: null });

      await catalog.recordRunFinished({
        ...start,
        status: 'completed',
        progress: 100,
        snapshot: { status: 'completed', progress: 100 },
        error: null,
        finishedAt: '2026-02-01T00:01:00.000Z',
        published: { info: { width: 320 } },
      });
      const run = await catalog.findRun('run-a');
      expect(run).toMatchObject({ status: 'completed', progress: 100, finished_at: '2026-02-01T00:01:00.000Z' });
      expect(JSON.parse(run!.snapshot!)).toEqual({ status: 'completed', progress: 100 });
      const kept = await catalog.findVideo('kept');
      expect(kept).toMatchObject({ current_run_id: 'run-a' });
      expect(JSON.parse(kept!.info!)).toEqual({ width: 320 });

      // A late snapshot never overwrites a final record.
      await catalog.saveSnapshot('run-a', { status: 'running', progress: 50, snapshot: { seq: 4 } });
      expect(await catalog.findRun('run-a')).toMatchObject({ status: 'completed', progress: 100 });
    });

    it('records an outcome even when the start was never recorded, and leaves current alone on failure', async () => {
      await catalog.recordRunFinished({
        ...start,
        runId: 'run-b',
        startedAt: '2026-02-02T00:00:00.000Z',
        status: 'failed',
        progress: 12.5,
        snapshot: null,
        error: 'InvalidMedia: no video stream',
        finishedAt: '2026-02-02T00:00:05.000Z',
      });
      expect(await catalog.findRun('run-b')).toMatchObject({
        status: 'failed',
        error: 'InvalidMedia: no video stream',
      });
      expect((await catalog.findVideo('kept'))?.current_run_id).toBe('run-a');
      expect((await catalog.latestRun('kept'))?.run_id).toBe('run-b');
    });

    it('closes a run that ended outside the workflow, once', async () => {
      await catalog.recordRunStarted({ ...start, runId: 'run-t', startedAt: '2026-02-03T00:00:00.000Z' });
      await catalog.closeRun('run-t', { status: 'terminated', finishedAt: '2026-02-03T00:00:09.000Z' });
      await catalog.closeRun('run-t', { status: 'timed_out', finishedAt: '2026-02-03T00:01:00.000Z' });
      expect(await catalog.findRun('run-t')).toMatchObject({
        status: 'terminated',
        finished_at: '2026-02-03T00:00:09.000Z',
      });
    });

    it("lists a video's runs newest first, paginated", async () => {
      for (let index = 0; index < 5; index += 1) {
        await catalog.recordRunStarted({
          ...start,
          runId: `run-p${index}`,
          startedAt: `2026-03-0${index + 1}T00:00:00.000Z`,
        });
      }
      const first = await catalog.listRuns('kept', { limit: 4 });
      expect(first.items.map((run) => run.run_id)).toEqual(['run-p4', 'run-p3', 'run-p2', 'run-p1']);
      const second = await catalog.listRuns('kept', { limit: 5, cursor: decodeCursor(first.nextCursor!) });
      expect(second.items.map((run) => run.run_id)).toEqual(['run-p0', 'run-t', 'run-b', 'run-a']);
      expect(second.nextCursor).toBeNull();
    });
  });
  describe('batches', () => {
    let batches: BatchRecords;
    // Videos of 2001, out of the way of the other tests' (2026): every selection here is bounded to 2001.
    const inside = { createdBefore: '2002-01-01T00:00:00.000Z' };
    const day = (n: number) => `2001-01-${String(n).padStart(2, '0')}T00:00:00.000Z`;
    const run = (runId: string, videoId: string, status: string, at: string) => ({
      runId,
      videoId,
      workflowId: videoId,
      steps: ['probe', 'publish'],
      status,
      progress: status === 'completed' ? 100 : 40,
      snapshot: null,
      error: status === 'completed' ? null : 'it broke',
      startedAt: at,
      finishedAt: at,
    });

    beforeAll(async () => {
      batches = new BatchRecords(test.database.db);
      for (let n = 1; n <= 7; n += 1) await catalog.insertVideo(video(`old-${n}`, day(n)));
      // old-1: completed; old-2: failed last (completed before); old-3: completed last (failed before); old-4: failed.
      await catalog.recordRunFinished(run('b-1', 'old-1', 'completed', day(10)));
      await catalog.recordRunFinished(run('b-2a', 'old-2', 'completed', day(10)));
      await catalog.recordRunFinished(run('b-2b', 'old-2', 'failed', day(11)));
      await catalog.recordRunFinished(run('b-3a', 'old-3', 'failed', day(10)));
      await catalog.recordRunFinished(run('b-3b', 'old-3', 'completed', day(11)));
      await catalog.recordRunFinished(run('b-4', 'old-4', 'timed_out', day(10)));
    });

    async function walk(selection: VideoSelection, limit: number): Promise<string[]> {
      const seen: string[] = [];
      let after: SelectionPosition | null = null;
      do {
        const page = await batches.selectVideos(selection, { limit, after });
        seen.push(...page.items.map((item) => item.id));
        after = page.next;
      } while (after !== null);
      return seen;
    }

    it('walks a selection oldest first, page by page, each video once', async () => {
      expect(await walk(inside, 3)).toEqual(['old-1', 'old-2', 'old-3', 'old-4', 'old-5', 'old-6', 'old-7']);
      expect(await batches.countSelection(inside)).toBe(7);
      expect(await walk({ ...inside, createdBefore: day(3) }, 1)).toEqual(['old-1', 'old-2']);
    });

    it('selects by ids, by never completed, and by a failed latest run', async () => {
      expect(await walk({ ids: ['old-7', 'old-2', 'nobody'] }, 10)).toEqual(['old-2', 'old-7']);
      expect(await batches.countSelection({ ids: [] })).toBe(0);
      expect(await walk({ ...inside, neverCompleted: true }, 10)).toEqual(['old-4', 'old-5', 'old-6', 'old-7']);
      expect(await walk({ ...inside, lastRunFailed: true }, 10)).toEqual(['old-2', 'old-4']);
      expect(await walk({ ...inside, lastRunFailed: true, neverCompleted: true }, 10)).toEqual(['old-4']);
    });

    it('reads the run filters as of the batch start: runs ending later move no video in or out', async () => {
      // Half-way through day 10: old-3's completed run (day 11) and old-2's failed one (day 11) had not happened.
      const asOf = '2001-01-10T12:00:00.000Z';
      expect(await walk({ ...inside, asOf, neverCompleted: true }, 10)).toEqual([
        'old-3',
        'old-4',
        'old-5',
        'old-6',
        'old-7',
      ]);
      expect(await walk({ ...inside, asOf, lastRunFailed: true }, 10)).toEqual(['old-3', 'old-4']);
      // Before any run at all: nothing had completed, and no latest run had failed.
      expect(await batches.countSelection({ ...inside, asOf: day(9), neverCompleted: true })).toBe(7);
      expect(await batches.countSelection({ ...inside, asOf: day(9), lastRunFailed: true })).toBe(0);
    });

    it('records a batch once, its items once each, and lists its failures', async () => {
      const batch = {
        id: 'nightly',
        workflowId: 'batch:nightly',
        request: { concurrency: 3 },
        counts: { done: 0 },
        createdAt: day(20),
      };
      await batches.insertBatch(batch);
      await expect(batches.insertBatch(batch)).rejects.toBeInstanceOf(BatchExistsError);
      const item = { batchId: 'nightly', runId: null, errorCode: null, error: null, finishedAt: day(21) };
      await batches.recordItem({ ...item, videoId: 'old-1', outcome: 'completed', runId: 'r1' });
      await batches.recordItem({
        ...item,
        videoId: 'old-2',
        outcome: 'failed',
        errorCode: 'InvalidMedia',
        error: 'a text file',
      });
      await batches.recordItem({ ...item, videoId: 'old-2', outcome: 'completed' });
      await batches.recordItem({ ...item, videoId: 'old-4', outcome: 'failed', errorCode: 'TIMED_OUT' });
      const first = await batches.listItems('nightly', 'failed', { limit: 1, afterVideoId: null });
      expect(first.items.map((row) => [row.video_id, row.error_code])).toEqual([['old-2', 'InvalidMedia']]);
      const second = await batches.listItems('nightly', 'failed', { limit: 1, afterVideoId: first.next });
      expect(second).toMatchObject({ items: [{ video_id: 'old-4' }], next: null });

      await batches.updateBatch('nightly', { status: 'completed', counts: { done: 3 }, finishedAt: day(22) });
      await batches.updateBatch('nightly', { status: 'running', counts: { done: 0 }, finishedAt: null });
      expect(await batches.findBatch('nightly')).toMatchObject({ status: 'completed', counts: '{"done":3}' });
      expect((await batches.listBatches({ limit: 10, cursor: null })).items.map((row) => row.id)).toContain('nightly');
    });
  });
});
