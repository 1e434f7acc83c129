import { once } from 'node:events';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { makeDataDir } from '../helpers/media';
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

  describe('POST /api/v1/videos with a body that ends or is cut off inside a part', () => {
    const part = '--B\r\nContent-Disposition: form-data; name="x"; filename="a"\r\n\r\nxx';

    /** Writes `body` on a raw socket; with `abort`, the client goes away instead of waiting for the answer. */
    function sendRaw(port: number, body: string, abort: boolean): Promise<string> {
      return new Promise((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          const head =
            'POST /api/v1/videos HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
            'Content-Type: multipart/form-data; boundary=B\r\n' +
            `Content-Length: ${abort ? body.length + 1000 : body.length}\r\nConnection: close\r\n\r\n`;
          socket.write(head + body);
          if (abort) setTimeout(() => socket.destroy(), 200);
        });
        let answer = '';
        socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
        socket.on('close', () => resolve(answer));
        socket.on('error', reject);
      });
    }

    it('answers 400 in the envelope and keeps running, leaving no file behind', async () => {
      const port = await freePort();
      const { dataDir, cleanup } = await makeDataDir();
      const api = startEntrypoint('src/api/server.ts', { ...temporal, PORT: String(port), DATA_DIR: dataDir });
      try {
        const base = `http://127.0.0.1:${port}`;
        await eventually(async () => ((await fetch(`${base}/healthz`)).ok ? true : undefined), 30_000);
        const ended = await sendRaw(port, part, false);
        expect(ended).toMatch(/^HTTP\/1\.1 400 /);
        expect(ended).toContain('"code":"INVALID_UPLOAD"');
        // The client aborts inside the refused part, then inside the file part.
        await sendRaw(port, part, true);
        await sendRaw(port, part.replace('name="x"', 'name="file"'), true);
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(api.exitCode).toBeNull();
        expect((await fetch(`${base}/healthz`)).status).toBe(200);
        await eventually(async () => {
          const left = await fs.readdir(path.join(dataDir, 'media', '.uploads')).catch(() => []);
          return left.length === 0 ? true : undefined;
        }, 5_000);
      } finally {
        await stopProcess(api);
        await cleanup();
      }
    });
  });
});
