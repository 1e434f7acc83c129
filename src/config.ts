import { scryptSync } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { STANDARD_RETRY_SCHEDULE_MS } from './webhooks/retry-schedule';
import { WEBHOOK_SECRET_PATTERN } from './webhooks/secret-format';

/** What a Bearer token may carry (RFC 6750's b64token), long enough not to be guessed. */
const API_KEY_PATTERN = /^[A-Za-z0-9._~+/=-]{16,256}$/;

const port = z.coerce.number().int().min(0).max(65_535);

/** The queues a worker can serve: the run's own (workflow and light steps) and the media steps'. */
export const WORKER_QUEUE_ROLES = ['main', 'media'] as const;
export type WorkerQueueRole = (typeof WORKER_QUEUE_ROLES)[number];

/** A web origin as browsers send it: scheme, host and an optional port, nothing after. */
const ORIGIN_PATTERN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/** A comma-separated list of host names (letters, digits, dots, dashes), lower-cased. */
function hostList(message: string) {
  return z
    .string()
    .transform((value) => value.split(',').map((host) => host.trim().toLowerCase()))
    .pipe(z.array(z.string().regex(/^\.?[a-z0-9-]+(\.[a-z0-9-]+)*$/, message)).min(1));
}

/** Every environment variable reprocess reads, with its default. This module is the only reader of process.env. */
const ConfigSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(8080),
  DATA_DIR: z.string().min(1).default('./data'),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:7233')
    .default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** TLS to Temporal: `true` for a server certificate the system trusts (Temporal Cloud), with the paths below for mTLS. */
  TEMPORAL_TLS: z
    .enum(['true', 'false', '1', '0'], { message: 'expected true or false' })
    .default('false')
    .transform((value) => value === 'true' || value === '1'),
  /** Client certificate and key (PEM files) for mTLS; both or neither. */
  TEMPORAL_TLS_CERT: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY: z.string().min(1).optional(),
  /** CA certificate (PEM file) of a self-hosted server whose certificate the system does not trust. */
  TEMPORAL_TLS_CA: z.string().min(1).optional(),
  /** Temporal Cloud API key; implies TLS. */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  /** Port of the Temporal UI when `npm run up` starts the embedded dev server. */
  TEMPORAL_UI_PORT: port.default(8233),
  TASK_QUEUE: z.string().min(1).default('video-processing'),
  /** Task queue of the media steps (ffmpeg's heavy work); default `<TASK_QUEUE>-media`. */
  MEDIA_TASK_QUEUE: z.string().min(1).optional(),
  /** Which queues a worker serves: `main` (the workflow and its light steps), `media`, or both (comma-separated). */
  WORKER_QUEUES: z
    .string()
    .transform((value) => [...new Set(value.split(',').map((queue) => queue.trim()))])
    .pipe(z.array(z.enum(WORKER_QUEUE_ROLES, { message: 'expected main, media or main,media' })).min(1))
    .default([...WORKER_QUEUE_ROLES]),
  /** Media steps one worker runs at once; default from its cores (see defaultMediaSlots). */
  MEDIA_SLOTS: z.coerce.number().int().min(1).max(256).optional(),
  /**
   * Chunks of one video the deployment can encode at once (its media workers' MEDIA_SLOTS, summed); a video's
   * ladder is cut into about twice as many (see planChunks). Default: this worker's own media slots.
   */
  TRANSCODE_PARALLELISM: z.coerce.number().int().min(1).max(1024).optional(),
  /** Port of the worker's Prometheus metrics (`/metrics`); unset means the worker serves none. */
  WORKER_METRICS_PORT: port.min(1).optional(),
  /** Address the worker's metrics bind to. */
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
  FFPROBE_PATH: z.string().min(1).default('ffprobe'),
  /** Deadline for a progress query, in milliseconds: a GET never waits longer than this on Temporal. */
  QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  /**
   * Comma-separated API keys; clients send one as `Authorization: Bearer <key>`. Unset means no keys, and then the API
   * binds to loopback only.
   */
  API_KEYS: z
    .string()
    .transform((value) => value.split(',').map((key) => key.trim()))
    .pipe(
      z
        .array(
          z
            .string()
            .regex(
              API_KEY_PATTERN,
              'each key must be 16–256 characters of A-Z a-z 0-9 . _ ~ + / = -, keys separated by commas',
            ),
        )
        .min(1),
    )
    .optional(),
  /**
   * Host names, beyond loopback and the bound address, that a keyless API answers for (comma-separated; `.example.com`
   * also takes its subdomains). Any other Host header is refused, which defeats DNS rebinding.
   */
  ALLOWED_HOSTS: hostList('expected host names separated by commas, e.g. reprocess.internal,.lan').optional(),
  /** Web origins, besides the API's own, whose pages may send state-changing requests (POST, DELETE). */
  ALLOWED_ORIGINS: z
    .string()
    .transform((value) => value.split(',').map((origin) => origin.trim().replace(/\/$/, '')))
    .pipe(
      z.array(z.string().regex(ORIGIN_PATTERN, 'expected origins like https://dashboard.example.com, comma-separated')),
    )
    .optional(),
  /** Event streams one client (an API key, or an address when there are no keys) may hold open at once. */
  EVENT_STREAMS_PER_CLIENT: z.coerce.number().int().min(1).max(10_000).default(16),
  /** Event streams the API holds open at once, over all clients. */
  EVENT_STREAMS_MAX: z.coerce.number().int().min(1).max(1_000_000).default(1_000),
  /** The catalog: PostgreSQL when set (postgres://…); otherwise a SQLite file in DATA_DIR. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'expected postgres://user:password@host:5432/database')
    .optional(),
  /** Whether the API and the worker bring the catalog's schema to the latest migration when they start. */
  MIGRATE_ON_START: z
    .enum(['true', 'false', '1', '0'], { message: 'expected true or false' })
    .default('true')
    .transform((value) => value === 'true' || value === '1'),
  /**
   * Standard Webhooks secrets (`whsec_…`, comma-separated): every delivery is signed with each, so a new one can be
   * added before the old is retired. Unset: runs with a callback_url are refused.
   */
  WEBHOOK_SECRETS: z
    .string()
    .transform((value) => value.split(',').map((secret) => secret.trim()))
    .pipe(
      z
        .array(
          z.string().regex(WEBHOOK_SECRET_PATTERN, 'expected whsec_ and base64 of at least 24 bytes, comma-separated'),
        )
        .min(1),
    )
    .optional(),
  /** Callbacks to http and to private or loopback hosts: for local development and tests only. */
  WEBHOOK_ALLOW_PRIVATE: z
    .enum(['true', 'false', '1', '0'], { message: 'expected true or false' })
    .default('false')
    .transform((value) => value === 'true' || value === '1'),
  /** Seconds before each delivery attempt after the first, comma-separated; default Standard Webhooks' schedule. */
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .transform((value) => value.split(',').map((delay) => Number(delay.trim())))
    .pipe(
      z
        .array(z.number({ message: 'expected seconds' }).min(0).max(86_400, 'at most a day between attempts'))
        .min(1)
        .max(20),
    )
    .optional(),
  /**
   * Secret of the short-lived media tokens (HMAC-SHA256) that let an EventSource, a `<video>` or hls.js read one
   * video's event stream and media without a header. Every API instance must share it. Default: derived (scrypt) from
   * API_KEYS, which every instance shares already; set one of its own in production.
   */
  MEDIA_TOKEN_SECRET: z.string().min(32, 'at least 32 characters').max(1024).optional(),
  /** How long a media token lives, in seconds. */
  MEDIA_TOKEN_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  /** Where the dashboard links each run in the Temporal UI; default the UI of the dev server `npm run up` starts. */
  TEMPORAL_UI_URL: z
    .url({ protocol: /^https?$/, message: 'expected an http(s) URL, e.g. http://127.0.0.1:8233' })
    .optional(),
  /** Most runs one batch may keep open at once (a batch's `concurrency` is bounded by it). */
  BATCH_MAX_CONCURRENCY: z.coerce.number().int().min(1).max(1_000).default(16),
  /** Largest upload POST /api/v1/videos accepts, in bytes (default 4 GiB). */
  MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(4 * 1024 ** 3),
});

type RawConfig = z.infer<typeof ConfigSchema>;

/**
 * Media steps at once on a worker by default: two per core, and never fewer than four, so one run's four media steps
 * (three of them light beside the transcode) go side by side, as they did before queues were split.
 */
export function defaultMediaSlots(cores: number): number {
  return Math.max(4, cores * 2);
}

export interface Config {
  readonly host: string;
  readonly port: number;
  /** Absolute path of the data directory. */
  readonly dataDir: string;
  readonly temporal: {
    readonly address: string;
    readonly namespace: string;
    /** The workflow's queue, and its light steps' (probe, publish, the catalog records). */
    readonly taskQueue: string;
    /** The media steps' queue. */
    readonly mediaTaskQueue: string;
    readonly uiPort: number;
    /** The Temporal UI's base URL, without a trailing slash. */
    readonly uiUrl: string;
    /** Null for a plain connection (the dev server). */
    readonly tls: {
      readonly certPath: string | null;
      readonly keyPath: string | null;
      readonly caPath: string | null;
    } | null;
    readonly apiKey: string | null;
  };
  readonly logLevel: RawConfig['LOG_LEVEL'];
  readonly ffmpegPath: string;
  readonly ffprobePath: string;
  readonly queryTimeoutMs: number;
  /** Accepted API keys; empty means the API is open, and then it binds to loopback only. */
  readonly apiKeys: readonly string[];
  /** Media tokens (see src/api/media-tokens.ts): the HMAC secret and how long a token lives. */
  readonly mediaTokens: { readonly secret: string; readonly ttlSeconds: number };
  readonly catalog: {
    /** PostgreSQL connection string, or null for the SQLite file in DATA_DIR. */
    readonly databaseUrl: string | null;
    readonly migrateOnStart: boolean;
  };
  readonly maxUploadBytes: number;
  /** Most runs one batch may keep open at once. */
  readonly batchMaxConcurrency: number;
  /** What a browser may make the API do: see src/api/middleware/browser-guard.ts. */
  readonly browsers: {
    readonly allowedHosts: readonly string[];
    readonly allowedOrigins: readonly string[];
  };
  readonly eventStreams: { readonly perClient: number; readonly total: number };
  readonly webhooks: {
    /** Empty: callbacks are refused. */
    readonly secrets: readonly string[];
    readonly allowPrivate: boolean;
    /** Milliseconds before each attempt; the first is the delay of the first attempt (0). */
    readonly retryScheduleMs: readonly number[];
  };
  readonly worker: {
    readonly queues: readonly WorkerQueueRole[];
    /** Null: defaultMediaSlots of the worker's cores. */
    readonly mediaSlots: number | null;
    /** Null: the worker's own media slots (MEDIA_SLOTS or its default). */
    readonly transcodeParallelism: number | null;
    /** Null: no metrics endpoint. */
    readonly metrics: { readonly host: string; readonly port: number } | null;
  };
}

/** Thrown when an environment variable has a value reprocess cannot use; the message names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly { variable: string; message: string }[]) {
    super(
      `Invalid configuration:\n${problems.map((problem) => `  ${problem.variable}: ${problem.message}`).join('\n')}`,
    );
  }
}

/** Parses the environment once into a frozen Config, or throws a ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set": `PORT= npm run api` should use the default, not fail.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = ConfigSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '?'), message: issue.message })),
    );
  }
  const raw = parsed.data;
  if (raw.MEDIA_TASK_QUEUE !== undefined && raw.MEDIA_TASK_QUEUE === raw.TASK_QUEUE) {
    throw new ConfigError([
      {
        variable: 'MEDIA_TASK_QUEUE',
        message: 'must differ from TASK_QUEUE: on one queue, light steps would wait behind media steps',
      },
    ]);
  }
  if (Boolean(raw.TEMPORAL_TLS_CERT) !== Boolean(raw.TEMPORAL_TLS_KEY)) {
    throw new ConfigError([
      {
        variable: raw.TEMPORAL_TLS_CERT ? 'TEMPORAL_TLS_KEY' : 'TEMPORAL_TLS_CERT',
        message: 'mTLS needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY (PEM files), or neither',
      },
    ]);
  }
  const tls =
    raw.TEMPORAL_TLS || raw.TEMPORAL_API_KEY || raw.TEMPORAL_TLS_CERT || raw.TEMPORAL_TLS_CA
      ? {
          certPath: raw.TEMPORAL_TLS_CERT ? path.resolve(raw.TEMPORAL_TLS_CERT) : null,
          keyPath: raw.TEMPORAL_TLS_KEY ? path.resolve(raw.TEMPORAL_TLS_KEY) : null,
          caPath: raw.TEMPORAL_TLS_CA ? path.resolve(raw.TEMPORAL_TLS_CA) : null,
        }
      : null;
  return deepFreeze({
    host: raw.HOST,
    port: raw.PORT,
    dataDir: path.resolve(raw.DATA_DIR),
    temporal: {
      address: raw.TEMPORAL_ADDRESS,
      namespace: raw.TEMPORAL_NAMESPACE,
      taskQueue: raw.TASK_QUEUE,
      mediaTaskQueue: raw.MEDIA_TASK_QUEUE ?? mediaQueueOf(raw.TASK_QUEUE),
      uiPort: raw.TEMPORAL_UI_PORT,
      uiUrl: (raw.TEMPORAL_UI_URL ?? defaultUiUrl(raw.TEMPORAL_ADDRESS, raw.TEMPORAL_UI_PORT)).replace(/\/+$/, ''),
      tls,
      apiKey: raw.TEMPORAL_API_KEY ?? null,
    },
    logLevel: raw.LOG_LEVEL,
    ffmpegPath: raw.FFMPEG_PATH,
    ffprobePath: raw.FFPROBE_PATH,
    queryTimeoutMs: raw.QUERY_TIMEOUT_MS,
    apiKeys: raw.API_KEYS ?? [],
    mediaTokens: {
      secret: raw.MEDIA_TOKEN_SECRET ?? mediaTokenSecretFromKeys(raw.API_KEYS ?? []),
      ttlSeconds: raw.MEDIA_TOKEN_TTL_SECONDS,
    },
    catalog: { databaseUrl: raw.DATABASE_URL ?? null, migrateOnStart: raw.MIGRATE_ON_START },
    maxUploadBytes: raw.MAX_UPLOAD_BYTES,
    batchMaxConcurrency: raw.BATCH_MAX_CONCURRENCY,
    browsers: { allowedHosts: raw.ALLOWED_HOSTS ?? [], allowedOrigins: raw.ALLOWED_ORIGINS ?? [] },
    eventStreams: { perClient: raw.EVENT_STREAMS_PER_CLIENT, total: raw.EVENT_STREAMS_MAX },
    webhooks: {
      secrets: raw.WEBHOOK_SECRETS ?? [],
      allowPrivate: raw.WEBHOOK_ALLOW_PRIVATE,
      retryScheduleMs: raw.WEBHOOK_RETRY_SCHEDULE
        ? [0, ...raw.WEBHOOK_RETRY_SCHEDULE.map((seconds) => seconds * 1000)]
        : [...STANDARD_RETRY_SCHEDULE_MS],
    },
    worker: {
      queues: raw.WORKER_QUEUES,
      mediaSlots: raw.MEDIA_SLOTS ?? null,
      transcodeParallelism: raw.TRANSCODE_PARALLELISM ?? null,
      metrics:
        raw.WORKER_METRICS_PORT === undefined ? null : { host: raw.WORKER_METRICS_HOST, port: raw.WORKER_METRICS_PORT },
    },
  });
}

/** The dev server's UI: on the frontend's host, at the UI port `npm run up` gives it. */
function defaultUiUrl(temporalAddress: string, uiPort: number): string {
  const host = temporalAddress.slice(0, temporalAddress.lastIndexOf(':'));
  return `http://${host}:${uiPort}`;
}

/**
 * Without MEDIA_TOKEN_SECRET, tokens are signed with a secret derived from the API keys: every instance of a
 * deployment has the same keys, so a token minted by one is honoured by all, and retiring the keys retires the tokens.
 * The derivation is scrypt, costly on purpose: a token seen in a proxy's log must not make guessing a key by its
 * signature cheap. Without keys nothing needs a token (they are not checked), and a fixed secret signs them.
 */
function mediaTokenSecretFromKeys(apiKeys: readonly string[]): string {
  if (apiKeys.length === 0) return 'reprocess media tokens: no API keys, nothing to protect';
  return scryptSync([...apiKeys].sort().join(','), 'reprocess media tokens', 32, {
    N: 2 ** 15,
    r: 8,
    p: 1,
    maxmem: 64 * 1024 * 1024,
  }).toString('hex');
}

/** The media queue that goes with a task queue when MEDIA_TASK_QUEUE is not set. */
export function mediaQueueOf(taskQueue: string): string {
  return `${taskQueue}-media`;
}

/** For entrypoints: the config, or a clear message and exit code 1. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const child of Object.values(value)) {
    if (typeof child === 'object' && child !== null) deepFreeze(child as object);
  }
  return Object.freeze(value);
}
