import { createReadStream, existsSync } from 'node:fs';
import type { RouterMiddleware } from '@koa/router';
import path from 'node:path';
import { DEFAULT_LADDER } from '../../media/ladder';
import { MANDATORY_STEPS, STEP_NAMES } from '../../progress';
import type { RequestState } from '../context';
import { DASHBOARD_ASSETS, type DashboardAsset } from '../docs-assets';
import { ApiError } from '../errors';
import type { ServiceInfoResponse } from '../models';
import type { ApiRouter, OperationSpec } from '../operations';

const WEB_DASHBOARD = path.resolve(__dirname, '..', '..', '..', 'web', 'dashboard');

/** Where `npm run build`, `npm run up` and the tests put the page's script (scripts/lib/web-build.ts). */
export const DASHBOARD_BUNDLE = path.join(WEB_DASHBOARD, 'dist', 'app.js');

const ASSETS: Record<DashboardAsset, { file: string; type: string }> = {
  'app.js': { file: DASHBOARD_BUNDLE, type: 'text/javascript; charset=utf-8' },
  'app.css': { file: path.join(WEB_DASHBOARD, 'app.css'), type: 'text/css; charset=utf-8' },
  'icon.svg': { file: path.join(WEB_DASHBOARD, 'icon.svg'), type: 'image/svg+xml' },
};

/**
 * The page's policy: its script and styles from this origin only, nothing inline; media and images from this origin
 * or the blobs hls.js (MediaSource) and the keyed poster fetches make; no frames, no other site. `no-referrer` keeps
 * media tokens in URLs out of any Referer.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Paths the dashboard serves without a key: its pages and assets hold no data; the page asks for the key. */
export function isDashboardPath(requestPath: string): boolean {
  return requestPath === '/' || /^\/videos\/[^/]+$/.test(requestPath) || /^\/app\/[^/]+$/.test(requestPath);
}

const PAGE: OperationSpec = {
  operationId: 'dashboard',
  tag: 'dashboard',
  summary: 'The dashboard: every video, its live run, its outputs (HTML; no key needed, the page asks for one)',
  success: { status: 200, description: 'HTML page', media: 'text/html' },
  errors: [],
  auth: false,
};

const VIDEO_PAGE: OperationSpec = {
  ...PAGE,
  operationId: 'dashboardVideo',
  summary: "The dashboard's page of one video (the same HTML page; it reads the id from the URL)",
  errors: ['INVALID_VIDEO_ID'],
};

const ASSET: OperationSpec = {
  operationId: 'dashboardAsset',
  tag: 'dashboard',
  summary: "The dashboard's script, styles and icon",
  success: { status: 200, description: 'JavaScript, CSS or SVG', media: 'text/javascript' },
  errors: ['ROUTE_NOT_FOUND'],
  auth: false,
};

const SERVICE_INFO: OperationSpec = {
  operationId: 'serviceInfo',
  tag: 'dashboard',
  summary: 'What a client needs to know of this deployment: steps, default renditions, the Temporal UI, limits',
  success: { status: 200, description: 'The deployment', model: 'ServiceInfoResponse' },
  errors: [],
};

export interface DashboardDeps {
  version: string;
  apiKeysRequired: boolean;
  temporal: { uiUrl: string; namespace: string };
  maxUploadBytes: number;
}

/** The dashboard's pages and assets at `/`, and `GET /api/v1/service`, which the page reads first. */
export function dashboardRoutes(deps: DashboardDeps, router: ApiRouter): void {
  const page: RouterMiddleware<RequestState> = (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Content-Security-Policy', DASHBOARD_CSP);
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = createReadStream(path.join(WEB_DASHBOARD, 'index.html'));
  };
  router.get('/', PAGE, page);
  router.get('/videos/:video_id', VIDEO_PAGE, page);

  router.get('/app/:asset', ASSET, (ctx) => {
    const name = DASHBOARD_ASSETS.find((known) => known === ctx.params['asset']);
    if (!name) throw new ApiError('ROUTE_NOT_FOUND');
    const asset = ASSETS[name];
    if (!existsSync(asset.file)) {
      throw new ApiError('ROUTE_NOT_FOUND', 'The dashboard is not built: run `npm run build` (npm run up builds it)');
    }
    ctx.type = asset.type;
    ctx.set('X-Content-Type-Options', 'nosniff');
    // The page is small and changes with each release; revalidating costs a 304.
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = createReadStream(asset.file);
  });

  const info: ServiceInfoResponse = {
    version: deps.version,
    api_keys_required: deps.apiKeysRequired,
    steps: [...STEP_NAMES],
    mandatory_steps: [...MANDATORY_STEPS],
    renditions: DEFAULT_LADDER.map((rung) => rung.height),
    temporal: { ui_url: deps.temporal.uiUrl, namespace: deps.temporal.namespace },
    max_upload_bytes: deps.maxUploadBytes,
  };
  router.get('/api/v1/service', SERVICE_INFO, (ctx) => {
    ctx.body = info;
  });
}
