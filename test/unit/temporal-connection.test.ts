import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { temporalConnectionOptions } from '../../src/temporal-connection';

describe('Temporal connection settings', () => {
  it('connects in plain text to the dev server by default', () => {
    expect(temporalConnectionOptions(loadConfig({}).temporal)).toEqual({ address: '127.0.0.1:7233' });
  });

  it('uses TLS with an API key for Temporal Cloud', () => {
    const config = loadConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'secret-key' });
    expect(temporalConnectionOptions(config.temporal)).toEqual({
      address: 'ns.acct.tmprl.cloud:7233',
      tls: true,
      apiKey: 'secret-key',
    });
  });

  it('reads the mTLS certificate pair and a CA from their files', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tls-'));
    for (const name of ['client.pem', 'client.key', 'ca.pem']) await fs.writeFile(path.join(dir, name), name);
    const config = loadConfig({
      TEMPORAL_TLS_CERT: path.join(dir, 'client.pem'),
      TEMPORAL_TLS_KEY: path.join(dir, 'client.key'),
      TEMPORAL_TLS_CA: path.join(dir, 'ca.pem'),
    });
    const options = temporalConnectionOptions(config.temporal);
    const tls = options.tls as { clientCertPair: { crt: Buffer; key: Buffer }; serverRootCACertificate: Buffer };
    expect(tls.clientCertPair.crt.toString()).toBe('client.pem');
    expect(tls.clientCertPair.key.toString()).toBe('client.key');
    expect(tls.serverRootCACertificate.toString()).toBe('ca.pem');
    await fs.rm(dir, { recursive: true });
  });

  it('refuses a certificate without its key, naming the missing variable', () => {
    expect(() => loadConfig({ TEMPORAL_TLS_CERT: 'client.pem' })).toThrow(ConfigError);
    expect(() => loadConfig({ TEMPORAL_TLS_CERT: 'client.pem' })).toThrow(/TEMPORAL_TLS_KEY/);
  });
});
