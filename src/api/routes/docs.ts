import { createReadStream } from 'node:fs';
import path from 'node:path';
import { DOCS_ASSET_NAMES, type DocsAssetName } from '../docs-assets';
import { ApiError } from '../errors';
import type { ApiRouter, OperationSpec } from '../operations';

const WEB_DOCS = path.resolve(__dirname, '..', '..', '..', 'web', 'docs');
const SWAGGER_UI = path.dirname(require.resolve('swagger-ui-dist/package.json'));

/** The only files /docs/assets serves: a fixed list, so no request path ever reaches the file system. */
const ASSETS: Record<DocsAssetName, { file: string; type: string }> = {
  'swagger-ui.css': { file: path.join(SWAGGER_UI, 'swagger-ui.css'), type: 'text/css; charset=utf-8' },
  'swagger-ui-bundle.js': {
    file: path.join(SWAGGER_UI, 'swagger-ui-bundle.js'),
    type: 'text/javascript; charset=utf-8',
  },
  'init.js': { file: path.join(WEB_DOCS, 'init.js'), type: 'text/javascript; charset=utf-8' },
};

const OPENAPI: OperationSpec = {
  operationId: 'openapi',
  tag: 'docs',
  summary: 'This document',
  success: { status: 200, description: 'OpenAPI 3.1', media: 'application/json' },
  errors: [],
};

const DOCS_PAGE: OperationSpec = {
  operationId: 'docs',
  tag: 'docs',
  summary: 'Interactive API docs (assets served locally)',
  success: { status: 200, description: 'HTML page', media: 'text/html' },
  errors: [],
};

const DOCS_ASSET: OperationSpec = {
  operationId: 'docsAsset',
  tag: 'docs',
  summary: "The docs page's scripts and styles",
  success: { status: 200, description: 'CSS or JavaScript', media: 'text/css' },
  errors: ['ROUTE_NOT_FOUND'],
};

/**
 * `/openapi.json` and the `/docs` page with its local assets. The document is made once, on first request, from the
 * operations registered with the router (these three among them) and the zod models.
 */
export function docsRoutes(openApiDocument: () => Record<string, unknown>, router: ApiRouter): void {
  let body: string | undefined;

  router.get('/openapi.json', OPENAPI, (ctx) => {
    ctx.type = 'application/json';
    body ??= JSON.stringify(openApiDocument());
    ctx.body = body;
  });

  router.get('/docs', DOCS_PAGE, (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    // No inline script, so a strict policy can hold: scripts and styles only from this origin.
    ctx.set('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'");
    ctx.body = createReadStream(path.join(WEB_DOCS, 'index.html'));
  });

  router.get('/docs/assets/:name', DOCS_ASSET, (ctx) => {
    const name = DOCS_ASSET_NAMES.find((known) => known === ctx.params['name']);
    if (!name) throw new ApiError('ROUTE_NOT_FOUND');
    const asset = ASSETS[name];
    ctx.type = asset.type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = createReadStream(asset.file);
  });
}
