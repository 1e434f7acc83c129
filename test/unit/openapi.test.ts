import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { ERROR_CATALOGUE } from '../../src/api/errors';
import { buildOpenApiDocument } from '../../src/api/openapi';
import type { ReprocessApp } from '../../src/api/app';
import { buildApp, unreachableClient } from '../helpers/api';
import { makeDataDir } from '../helpers/media';

const execFileAsync = promisify(execFile);

/** Koa's `:param` routes in OpenAPI's `{param}` form. */
const toOpenApiPath = (koaPath: string) => koaPath.replace(/:([A-Za-z_]+)/g, '{$1}').replace('{*path}', '{path}');

let app: ReprocessApp;
let server: ReturnType<ReprocessApp['callback']>;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const made = await makeDataDir();
  cleanup = made.cleanup;
  app = await buildApp(unreachableClient(1), made.dataDir, 'unused');
  server = app.callback();
});

afterAll(() => cleanup());

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const response = await request(server).get('/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ openapi: '3.1.0' });
    const file = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'openapi-')), 'openapi.json');
    await fs.writeFile(file, JSON.stringify(response.body));
    // The validator is an ES module with a CLI; running it as the user would keeps jest's CommonJS out of its way.
    const cli = require.resolve('@seriousme/openapi-schema-validator/bin/validate-api-cli.js');
    const { stdout } = await execFileAsync(process.execPath, [cli, file]).catch((error: { stdout: string }) => error);
    expect(JSON.parse(stdout)).toMatchObject({ valid: true });
    await fs.rm(path.dirname(file), { recursive: true });
  });

  it('describes every route the router serves, and no route it does not', () => {
    const served = app.router.stack.flatMap((layer) =>
      layer.methods
        .filter((method) => method !== 'HEAD')
        .map((method) => `${method} ${toOpenApiPath(String(layer.path))}`),
    );
    // What the document the API serves says: it is built from what was registered with the router.
    const document = buildOpenApiDocument('test', app.operations) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(document.paths).flatMap(([route, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${route}`),
    );
    expect([...served].sort()).toEqual([...documented].sort());
  });

  it('names every code of the error catalogue in some response', async () => {
    const text = (await request(server).get('/openapi.json')).text;
    for (const code of Object.keys(ERROR_CATALOGUE).filter((code) => code !== 'ROUTE_NOT_FOUND')) {
      expect(text).toContain(`${code}:`);
    }
  });

  it('builds its schemas from the zod models the routes validate with', async () => {
    const body = (await request(server).get('/openapi.json')).body as {
      components: { schemas: Record<string, { properties?: Record<string, unknown>; additionalProperties?: unknown }> };
    };
    const progress = body.components.schemas['TaskProgressResponse']!;
    expect(Object.keys(progress.properties ?? {})).toEqual(
      expect.arrayContaining(['status', 'progress', 'subtasks', 'eta_seconds', 'stale', 'seq']),
    );
    expect(body.components.schemas['ReprocessRequest']?.additionalProperties).toBe(false);
  });
});

describe('GET /docs', () => {
  it('serves a page whose scripts and styles all come from this server', async () => {
    const page = await request(server).get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      expect(asset.startsWith('/docs/assets/')).toBe(true);
      const response = await request(server).get(asset);
      expect(response.status).toBe(200);
      expect(Number(response.headers['content-length'] ?? response.text.length)).toBeGreaterThan(0);
    }
  });

  it('serves no file outside its list', async () => {
    for (const name of ['..%2Fpackage.json', 'index.html', 'swagger-ui.js.map', '%2e%2e%2f%2e%2e%2fetc%2fpasswd']) {
      const response = await request(server).get(`/docs/assets/${name}`);
      expect(response.status).toBe(404);
    }
  });
});
