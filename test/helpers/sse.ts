import http from 'node:http';

export interface ReceivedEvent {
  id: number | null;
  event: string;
  data: unknown;
}

export interface EventStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  events: ReceivedEvent[];
  comments: number;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  /** Waits until `predicate` holds for the events so far. */
  until(predicate: (events: ReceivedEvent[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}

/** A minimal EventSource: opens `url`, parses the stream as it arrives, and records every event and comment. */
export function openEventStream(url: string, headers: Record<string, string> = {}): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { Accept: 'text/event-stream', ...headers } }, (response) => {
      const events: ReceivedEvent[] = [];
      const waiters = new Set<() => void>();
      let buffer = '';
      const stream: EventStream = {
        status: response.statusCode ?? 0,
        headers: response.headers,
        events,
        comments: 0,
        ended: new Promise((done) => response.once('close', () => done())),
        until(predicate, timeoutMs = 30_000) {
          return new Promise<void>((ok, fail) => {
            const timer = setTimeout(
              () => fail(new Error(`stream condition not met; events: ${JSON.stringify(events.map((e) => e.event))}`)),
              timeoutMs,
            );
            const check = () => {
              if (!predicate(events)) return;
              clearTimeout(timer);
              waiters.delete(check);
              ok();
            };
            waiters.add(check);
            void stream.ended.then(() => {
              if (waiters.has(check)) check();
            });
            check();
          });
        },
        close: () => request.destroy(),
      };
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let boundary;
        while ((boundary = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          const parsed = parseBlock(block);
          if (parsed === 'comment') stream.comments += 1;
          else if (parsed) events.push(parsed);
        }
        for (const waiter of [...waiters]) waiter();
      });
      response.on('error', () => undefined);
      resolve(stream);
    });
    request.on('error', reject);
  });
}

function parseBlock(block: string): ReceivedEvent | 'comment' | null {
  let id: number | null = null;
  let event = 'message';
  const data: string[] = [];
  let comment = false;
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) comment = true;
    else if (line.startsWith('id: ')) id = Number(line.slice(4));
    else if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data.push(line.slice(6));
  }
  if (data.length === 0) return comment ? 'comment' : null;
  return { id, event, data: JSON.parse(data.join('\n')) as unknown };
}
