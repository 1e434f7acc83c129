import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { isLoopback } from '../api/bind';
import type { Config } from '../config';
import { openDatabase, pendingMigrations } from '../store';
import { temporalConnectionOptions } from '../temporal-connection';
import { REPROCESS_STAGE } from '../workflows/definitions';

const execFileAsync = promisify(execFile);

export type CheckLevel = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  name: string;
  level: CheckLevel;
  message: string;
  /** What to do about it; absent when all is well. */
  fix?: string;
}

const ok = (name: string, message: string): CheckResult => ({ name, level: 'ok', message });
const warn = (name: string, message: string, fix: string): CheckResult => ({ name, level: 'warn', message, fix });
const fail = (name: string, message: string, fix: string): CheckResult => ({ name, level: 'fail', message, fix });

/** Encoders and filters the steps use: the ladder, the audio track, the scene cuts. */
const NEEDED_ENCODERS = ['libx264', 'aac'];
const NEEDED_FILTERS = ['scdet', 'ebur128', 'tile'];

/** Free space under which processing is likely to fail (warn) or will (fail). */
const FREE_WARN_BYTES = 5 * 1024 ** 3;
const FREE_FAIL_BYTES = 512 * 1024 ** 2;

export function checkBinding(config: Config): CheckResult {
  if (config.apiKeys.length > 0) return ok('binding', `API keys set (${config.apiKeys.length}); HOST=${config.host}`);
  if (isLoopback(config.host)) return ok('binding', `no API_KEYS: the API is open, on loopback (${config.host}) only`);
  return warn(
    'binding',
    `HOST=${config.host} is beyond loopback and API_KEYS is not set: the API will refuse to start`,
    'set API_KEYS=<key>[,<key>…] (16+ characters each), or HOST=127.0.0.1',
  );
}

export async function checkMediaTools(config: Config): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const [name, tool] of [
    ['ffprobe', config.ffprobePath],
    ['ffmpeg', config.ffmpegPath],
  ] as const) {
    try {
      const { stdout } = await execFileAsync(tool, ['-hide_banner', '-version'], { timeout: 10_000 });
      results.push(ok(name, stdout.split('\n')[0]?.trim() ?? tool));
    } catch {
      const variable = name === 'ffmpeg' ? 'FFMPEG_PATH' : 'FFPROBE_PATH';
      results.push(
        fail(name, `${tool} cannot be run`, `install ffmpeg (Debian: apt-get install ffmpeg) or set ${variable}`),
      );
    }
  }
  if (results.some((result) => result.level === 'fail')) return results;
  const [encoders, filters] = await Promise.all([
    execFileAsync(config.ffmpegPath, ['-hide_banner', '-encoders'], { timeout: 10_000 }),
    execFileAsync(config.ffmpegPath, ['-hide_banner', '-filters'], { timeout: 10_000 }),
  ]);
  const has = (list: string, name: string) => new RegExp(`\\s${name}\\s`).test(list);
  const missing = [
    ...NEEDED_ENCODERS.filter((name) => !has(encoders.stdout, name)),
    ...NEEDED_FILTERS.filter((name) => !has(filters.stdout, name)),
  ];
  results.push(
    missing.length === 0
      ? ok('codecs', `encoders ${NEEDED_ENCODERS.join(', ')} and filters ${NEEDED_FILTERS.join(', ')} present`)
      : fail('codecs', `ffmpeg lacks ${missing.join(', ')}`, "use an ffmpeg build with them (Debian's ffmpeg has all)"),
  );
  return results;
}

export async function checkDataDir(config: Config): Promise<CheckResult> {
  const probe = path.join(config.dataDir, `.doctor-${randomUUID()}`);
  try {
    await fs.mkdir(config.dataDir, { recursive: true });
    await fs.writeFile(probe, 'ok');
    await fs.rm(probe);
  } catch (error) {
    return fail(
      'data dir',
      `DATA_DIR ${config.dataDir} is not writable (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      'point DATA_DIR at a writable folder, or fix its owner and permissions',
    );
  }
  const stats = await fs.statfs(config.dataDir);
  const free = stats.bavail * stats.bsize;
  const freeText = `${(free / 1024 ** 3).toFixed(1)} GiB free`;
  if (free < FREE_FAIL_BYTES)
    return fail('data dir', `DATA_DIR has ${freeText}`, "free space: outputs need several times a video's size");
  if (free < FREE_WARN_BYTES)
    return warn('data dir', `DATA_DIR has ${freeText}`, 'free space before processing long videos');
  return ok('data dir', `${config.dataDir} writable, ${freeText}`);
}

export async function checkTemporal(config: Config): Promise<CheckResult[]> {
  const where = `${config.temporal.address}, namespace ${config.temporal.namespace}`;
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...temporalConnectionOptions(config.temporal), connectTimeout: 5_000 });
  } catch {
    return [
      fail(
        'temporal',
        `cannot reach Temporal at ${config.temporal.address}`,
        'start it (npm run up starts a dev server) or fix TEMPORAL_ADDRESS and its TLS settings',
      ),
    ];
  }
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    try {
      await client.withDeadline(Date.now() + 5_000, () =>
        client.workflowService.describeNamespace({ namespace: config.temporal.namespace }),
      );
    } catch {
      return [
        fail(
          'temporal',
          `namespace ${config.temporal.namespace} not found at ${config.temporal.address}`,
          'create it, or fix TEMPORAL_NAMESPACE',
        ),
      ];
    }
    const attributes = await client
      .withDeadline(Date.now() + 5_000, () =>
        connection.operatorService.listSearchAttributes({ namespace: config.temporal.namespace }),
      )
      .catch(() => null);
    const registered = attributes ? REPROCESS_STAGE.name in (attributes.customAttributes ?? {}) : null;
    return [
      ok('temporal', `reachable: ${where}`),
      registered === false
        ? fail(
            'search attributes',
            `${REPROCESS_STAGE.name} is not registered: runs cannot start`,
            `temporal operator search-attribute create --namespace ${config.temporal.namespace} --name ${REPROCESS_STAGE.name} --type Keyword`,
          )
        : registered === null
          ? warn(
              'search attributes',
              'could not list them (no operator access?)',
              `make sure ${REPROCESS_STAGE.name} (Keyword) is registered`,
            )
          : ok('search attributes', `${REPROCESS_STAGE.name} registered`),
    ];
  } finally {
    await connection.close();
  }
}

export async function checkCatalog(config: Config): Promise<CheckResult> {
  let database: ReturnType<typeof openDatabase> | null = null;
  try {
    database = openDatabase({ databaseUrl: config.catalog.databaseUrl, dataDir: config.dataDir });
    const pending = await pendingMigrations(database.db);
    const where = `${database.dialect} at ${database.location}`;
    if (pending.length === 0) return ok('catalog', `${where}, migrations current`);
    return config.catalog.migrateOnStart
      ? warn(
          'catalog',
          `${where}, pending migrations: ${pending.join(', ')}`,
          'they run when the API or worker starts; or run npm run migrate now',
        )
      : fail(
          'catalog',
          `${where}, pending migrations: ${pending.join(', ')} and MIGRATE_ON_START=false`,
          'run npm run migrate',
        );
  } catch (error) {
    return fail(
      'catalog',
      `cannot use the catalog (${(error as Error).message.split('\n')[0]})`,
      'check DATABASE_URL (postgres://user:password@host:5432/db), that the database is up, and that DATA_DIR is writable',
    );
  } finally {
    await database?.close().catch(() => undefined);
  }
}
