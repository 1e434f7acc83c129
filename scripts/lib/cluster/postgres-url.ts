export interface PostgresTarget {
  host: string;
  port: number;
  user: string;
  password: string;
}

export function parsePostgresUrl(postgresUrl: string): PostgresTarget {
  let url: URL;
  try {
    url = new URL(postgresUrl);
  } catch {
    throw new TypeError(`Invalid PostgreSQL URL ${JSON.stringify(postgresUrl)}: expected postgres://user@host:5432/db`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new TypeError(`Invalid PostgreSQL URL ${JSON.stringify(postgresUrl)}: expected postgres://user@host:5432/db`);
  }
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username) || 'postgres',
    password: decodeURIComponent(url.password),
  };
}
