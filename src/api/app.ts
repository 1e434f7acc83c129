import { randomBytes } from 'node:crypto';
import Koa from 'koa';
import type Router from '@koa/router';
import type { Logger } from '../logger';
import type { Catalog } from '../store';
import type { RequestState } from './context';
import { ApiError } from './errors';
import { StreamAllowance } from './events/allowance';
import { followVideoRuns } from './events/followed';
import { ProgressHub } from './events/hub';
import { createMetrics, type ApiMetrics } from './metrics';
import { requireApiKey } from './middleware/auth';
import { refuseCrossSite, requireServedHost } from './middleware/browser-guard';
import { errorEnvelope } from './middleware/errors';
import { observeRequests } from './middleware/metrics';
import { requestContext } from './middleware/request-context';
import { VideoId, type TaskProgressResponse } from './models';
import { buildOpenApiDocument } from './openapi';
import { ApiRouter, type Operation } from './operations';
import type { Orchestrator } from './orchestrator';
import { ProgressReader } from './progress-reader';
import { MediaTokens } from './media-tokens';
import { batchRoutes } from './routes/batches';
import { dashboardRoutes, isDashboardPath } from './routes/dashboard';
import { docsRoutes } from './routes/docs';
import { eventRoutes } from './routes/events';
import { opsRoutes, type ReadinessProbe } from './routes/ops';
import { mediaRoutes } from './routes/media';
import { reprocessRoutes } from './routes/reprocess';
import { tokenRoutes } from './routes/tokens';
import { videoRoutes } from './routes/videos';
import { runStarter } from './starts';
import { NO_CALLBACKS, type CallbackSettings } from './callbacks';
import { videoInCatalog } from './videos';

export interface AppDeps {
  orchestrator: Orchestrator;
  catalog: Catalog;
  dataDir: string;
  logger: Logger;
  /** ffprobe, to check an upload is a video before it is accepted. */
  ffprobePath?: string;
  /** Largest upload accepted, in bytes. */
  maxUploadBytes?: number;
  /** Accepted API keys; empty means none is required. */
  apiKeys?: readonly string[];
  /** The address the API listens on: a keyless API answers for it besides loopback names. */
  bindHost?: string;
  /** What browsers may make the API do (config's `browsers`). */
  browsers?: { allowedHosts: readonly string[]; allowedOrigins: readonly string[] };
  /** Event streams open at once: per client, and in all. */
  eventStreams?: { perClient: number; total: number };
  maxJsonBytes?: number;
  metrics?: ApiMetrics;
  /** How often a followed video's progress is read for its event streams. */
  eventPollMs?: number;
  /** How often an idle event stream gets a keep-alive comment. */
  keepAliveMs?: number;
  version?: string;
  /** Webhooks: whether runs may name a callback_url, where it may point, how deliveries are retried. */
  callbacks?: CallbackSettings;
  /** Media tokens for the event stream and /media (config's `mediaTokens`). */
  mediaTokens?: { secret: string; ttlSeconds: number };
  /** Most runs one batch may keep open at once (BATCH_MAX_CONCURRENCY). */
  batchMaxConcurrency?: number;
  /** Where the dashboard links runs in the Temporal UI. */
  temporalUi?: { uiUrl: string; namespace: string };
}

export type ReprocessApp = Koa<RequestState> & {
  readonly router: Router<RequestState>;
  readonly hub: ProgressHub<TaskProgressResponse>;
  /** What the router serves, as the OpenAPI document describes it. */
  readonly operations: readonly Operation[];
};

/** Builds the Koa app; it opens no port, so tests drive `app.callback()` directly. */
export function createApp(deps: AppDeps): ReprocessApp {
  const metrics = deps.metrics ?? createMetrics();
  const progress = new ProgressReader(deps.orchestrator, metrics, deps.catalog);
  const hub = new ProgressHub(
    followVideoRuns((videoId) => progress.read(videoId)),
    deps.eventPollMs ?? 1_000,
    metrics,
  );

  const api = new ApiRouter();
  const { router } = api;
  router.param('video_id', async (id, ctx, next) => {
    if (!VideoId.safeParse(id).success) throw new ApiError('INVALID_VIDEO_ID', undefined, { video_id: id });
    ctx.state.log = ctx.state.log.child({ video_id: id, workflow_id: id });
    await next();
  });
  opsRoutes(
    {
      readiness: [temporalProbe(deps.orchestrator), catalogProbe(deps.catalog, deps.orchestrator.queryTimeoutMs)],
      metrics,
    },
    api,
  );
  docsRoutes(() => buildOpenApiDocument(deps.version ?? '0.0.0', api.operations), api);
  const requireVideo = videoInCatalog(deps.catalog, deps.dataDir);
  const startRun = runStarter(deps.orchestrator, metrics);
  const callbacks = deps.callbacks ?? NO_CALLBACKS;
  reprocessRoutes(
    {
      orchestrator: deps.orchestrator,
      callbacks,
      startRun,
      progress,
      requireVideo,
      maxJsonBytes: deps.maxJsonBytes ?? 64 * 1024,
    },
    api,
  );
  const streams = deps.eventStreams ?? { perClient: 16, total: 1_000 };
  const allowance = new StreamAllowance(streams.perClient, streams.total);
  const keepAliveMs = deps.keepAliveMs ?? 15_000;
  eventRoutes(
    {
      hub,
      metrics,
      requireVideo,
      keepAliveMs,
      allowance,
    },
    api,
  );
  videoRoutes(
    {
      catalog: deps.catalog,
      startRun,
      callbacks,
      requireVideo,
      dataDir: deps.dataDir,
      ffprobePath: deps.ffprobePath ?? 'ffprobe',
      maxUploadBytes: deps.maxUploadBytes ?? 4 * 1024 ** 3,
    },
    api,
  );
  mediaRoutes(deps.dataDir, api, { keyed: (deps.apiKeys ?? []).length > 0 });
  const tokens = new MediaTokens(
    deps.mediaTokens?.secret ?? randomBytes(32).toString('hex'),
    deps.mediaTokens?.ttlSeconds ?? 900,
  );
  tokenRoutes({ tokens, requireVideo }, api);
  batchRoutes(
    {
      orchestrator: deps.orchestrator,
      records: () => deps.catalog.batches(),
      maxConcurrency: deps.batchMaxConcurrency ?? 16,
      maxJsonBytes: deps.maxJsonBytes ?? 64 * 1024,
      streams: { allowance, keepAliveMs, metrics, pollMs: deps.eventPollMs ?? 1_000 },
    },
    api,
  );
  dashboardRoutes(
    {
      version: deps.version ?? '0.0.0',
      apiKeysRequired: (deps.apiKeys ?? []).length > 0,
      temporal: deps.temporalUi ?? { uiUrl: 'http://127.0.0.1:8233', namespace: 'default' },
      maxUploadBytes: deps.maxUploadBytes ?? 4 * 1024 ** 3,
    },
    api,
  );

  const app = new Koa<RequestState>();
  app.use(requestContext(deps.logger));
  app.use(observeRequests(metrics));
  app.use(errorEnvelope());
  app.use(
    requireServedHost({
      apiKeys: deps.apiKeys ?? [],
      bindHost: deps.bindHost ?? '127.0.0.1',
      allowedHosts: deps.browsers?.allowedHosts ?? [],
    }),
  );
  app.use(refuseCrossSite(deps.browsers?.allowedOrigins ?? []));
  app.use(
    requireApiKey({
      apiKeys: deps.apiKeys ?? [],
      isPublic: (requestPath) => requestPath === '/healthz' || isDashboardPath(requestPath),
      tokens,
    }),
  );
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));
  // Errors are rendered by errorEnvelope and logged there; Koa's default stderr printing would log them twice.
  app.silent = true;
  return Object.assign(app, { router, hub, operations: api.operations });
}

function temporalProbe(orchestrator: Orchestrator): ReadinessProbe {
  return { name: 'temporal', check: () => orchestrator.checkReachable() };
}

function catalogProbe(catalog: Catalog, deadlineMs: number): ReadinessProbe {
  return {
    name: 'catalog',
    check: async () => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('the catalog did not answer in time')), deadlineMs);
      });
      try {
        await Promise.race([catalog.ping(), late]);
      } catch (error) {
        throw new ApiError('CATALOG_UNAVAILABLE', undefined, undefined, { cause: error });
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
