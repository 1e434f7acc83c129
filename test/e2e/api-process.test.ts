import { once } from 'node:events';
import { freePort } from '../helpers/ports';
import { startEntrypoint, stopProcess } from '../helpers/processes';
import { eventually } from '../helpers/gate';

/** The API process's start rules, as an operator meets them: keys, binding, and the logs that say which mode it runs in. */
describe('e2e: the API process with and without API_KEYS', () => {
  // No Temporal is needed: the API connects lazily, and these checks never reach it.
  const temporal = { TEMPORAL_ADDRESS: '127.0.0.1:1' };

  it('refuses to start on a non-loopback address without keys, naming the fix', async () => {
    const api = startEntrypoint('src/api/server.ts', { ...temporal, HOST: '0.0.0.0', PORT: String(await freePort()) });
    const [code] = (await once(api, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(api.output()).toMatch(/Refusing to listen on 0\.0\.0\.0 without API keys.*API_KEYS=/s);
  });

  it('says at start that it runs open on loopback when no keys are set', async () => {
    const port = await freePort();
    const api = startEntrypoint('src/api/server.ts', { ...temporal, PORT: String(port) });
    try {
      await eventually(async () => ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok ? true : undefined), 30_000);
      expect((await fetch(`http://127.0.0.1:${port}/openapi.json`)).status).toBe(200);
      expect(api.output()).toMatch(/API_KEYS is not set: no key required, so the API listens on loopback/);
    } finally {
      await stopProcess(api);
    }
  });

  it('binds beyond loopback with keys, and asks every route but /healthz for one', async () => {
    const port = await freePort();
    const key = 'e2e-key-0123456789abcdef';
    const api = startEntrypoint('src/api/server.ts', {
      ...temporal,
      HOST: '0.0.0.0',
      PORT: String(port),
      API_KEYS: key,
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      await eventually(async () => ((await fetch(`${base}/healthz`)).ok ? true : undefined), 30_000);
      expect((await fetch(`${base}/openapi.json`)).status).toBe(401);
      const authorized = await fetch(`${base}/openapi.json`, { headers: { Authorization: `Bearer ${key}` } });
      expect(authorized.status).toBe(200);
    } finally {
      await stopProcess(api);
    }
  });

  it('refuses a malformed API_KEYS at start, naming the variable', async () => {
    const api = startEntrypoint('src/api/server.ts', {
      ...temporal,
      PORT: String(await freePort()),
      API_KEYS: 'short',
    });
    const [code] = (await once(api, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(api.output()).toContain('API_KEYS');
    expect(api.output()).not.toContain('short');
  });
});
