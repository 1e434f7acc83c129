import Koa from 'koa';
import Router from '@koa/router';
import type { Logger } from '../logger';
import type { RequestState } from './context';
import { errorEnvelope } from './middleware/errors';
import { requestContext } from './middleware/request-context';
import type { Orchestrator } from './orchestrator';
import { reprocessRoutes } from './routes/reprocess';

export interface AppDeps {
  orchestrator: Orchestrator;
  dataDir: string;
  logger: Logger;
  maxJsonBytes?: number;
}

/** Builds the Koa app; it opens no port, so tests drive `app.callback()` directly. */
export function createApp(deps: AppDeps): Koa<RequestState> {
  const app = new Koa<RequestState>();
  app.use(requestContext(deps.logger));
  app.use(errorEnvelope());

  const health = new Router<RequestState>();
  health.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  app.use(health.routes());

  const reprocess = reprocessRoutes({
    orchestrator: deps.orchestrator,
    dataDir: deps.dataDir,
    maxJsonBytes: deps.maxJsonBytes ?? 64 * 1024,
  });
  app.use(reprocess.routes());
  app.use(reprocess.allowedMethods({ throw: true }));

  // Errors are rendered by errorEnvelope and logged there; Koa's default stderr printing would log them twice.
  app.silent = true;
  return app;
}
