import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import type { Config } from './config';

/** What the client and the worker need to reach Temporal: the address, and TLS and an API key where configured. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
}

/** Builds the connection options once from the config; certificate files are read here, so a bad path fails at start. */
export function temporalConnectionOptions(temporal: Config['temporal']): TemporalConnectionOptions {
  const options: TemporalConnectionOptions = { address: temporal.address };
  if (temporal.tls) {
    const { certPath, keyPath, caPath } = temporal.tls;
    const tls: TLSConfig = {};
    if (certPath && keyPath) tls.clientCertPair = { crt: readFileSync(certPath), key: readFileSync(keyPath) };
    if (caPath) tls.serverRootCACertificate = readFileSync(caPath);
    options.tls = Object.keys(tls).length > 0 ? tls : true;
  }
  if (temporal.apiKey) options.apiKey = temporal.apiKey;
  return options;
}
