/** One server-sent event as a client sees it. */
export interface SseEvent {
  id: number | null;
  event: string;
  data: unknown;
}

/**
 * Follows an event stream until `until` is satisfied by what has arrived, or the stream ends or breaks (a killed
 * API); returns every event read.
 */
export async function readEvents(
  url: string,
  options: { lastEventId?: number; until: (events: SseEvent[]) => boolean; timeoutMs?: number },
): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 180_000);
  try {
    const response = await fetch(url, {
      headers: options.lastEventId === undefined ? {} : { 'Last-Event-ID': String(options.lastEventId) },
      signal: controller.signal,
    });
    if (!response.ok || !response.body) throw new Error(`${url} answered ${response.status}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = parseBlock(block);
        if (event) events.push(event);
      }
      if (options.until(events)) break;
    }
  } catch (error) {
    // A stream cut by the server's death ends the read; anything else is the test's failure.
    if (events.length === 0) throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

function parseBlock(block: string): SseEvent | null {
  const fields = new Map<string, string>();
  for (const line of block.split('\n')) {
    if (line.startsWith(':') || !line.includes(':')) continue;
    const at = line.indexOf(':');
    fields.set(line.slice(0, at), line.slice(at + 1).trimStart());
  }
  if (!fields.has('event')) return null;
  const id = fields.get('id');
  return {
    id: id === undefined ? null : Number(id),
    event: fields.get('event')!,
    data: JSON.parse(fields.get('data') ?? 'null'),
  };
}

export function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
