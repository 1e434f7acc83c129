/** Server-sent events wire format (WHATWG HTML §9.2), pure so it can be tested alone. */

export interface SseMessage {
  id?: number | string | undefined;
  event: string;
  data: unknown;
}

/** One event; `data` is JSON on one line, so it never needs splitting across `data:` lines. */
export function formatSse(message: SseMessage): string {
  const id = message.id === undefined ? '' : `id: ${message.id}\n`;
  return `${id}event: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`;
}

/** A comment line: ignored by clients, but keeps proxies and load balancers from closing an idle stream. */
export const SSE_KEEP_ALIVE = ': keep-alive\n\n';

/** How long a client waits before reconnecting after the connection drops. */
export const sseRetry = (ms: number) => `retry: ${ms}\n\n`;

/** The last event id a reconnecting client saw (`Last-Event-ID`); null when absent or not ours. */
export function parseLastEventId(header: string | undefined): number | null {
  if (header === undefined || !/^\d{1,15}$/.test(header.trim())) return null;
  return Number(header.trim());
}
