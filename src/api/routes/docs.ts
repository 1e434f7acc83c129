import { createReadStream } from 'node:fs';
import path from 'node:path';
import type Router from '@koa/router';
import type { RequestState } from '../context';
import { DOCS_ASSET_NAMES, type DocsAssetName } from '../docs-assets';
import { ApiError } from '../errors';

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

/** `/openapi.json` (generated once from the zod models) and the `/docs` page with its local assets. */
export function docsRoutes(openApiDocument: Record<string, unknown>, router: Router<RequestState>): void {
  const body = JSON.stringify(openApiDocument);

  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.body = body;
  });

  router.get('/docs', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    // No inline script, so a strict policy can hold: scripts and styles only from this origin.
    ctx.set('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'");
    ctx.body = createReadStream(path.join(WEB_DOCS, 'index.html'));
  });

  router.get('/docs/assets/:name', (ctx) => {
    const name = DOCS_ASSET_NAMES.find((known) => known === ctx.params['name']);
    if (!name) throw new ApiError('ROUTE_NOT_FOUND');
    const asset = ASSETS[name];
    ctx.type = asset.type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = createReadStream(asset.file);
  });
}
