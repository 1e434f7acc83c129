import { asApiError, type ApiError } from '../errors';

/** What a follower of something's progress receives. */
export type FeedEvent<T> =
  | { kind: 'snapshot'; snapshot: T }
  /** The read failed; `final` when it cannot succeed later (the thing is gone), else polling goes on. */
  | { kind: 'problem'; error: ApiError; final: boolean }
  | { kind: 'end' };

export type FeedListener<T> = (event: FeedEvent<T>) => void;

/** What is followed, and how its snapshots are told apart: a video's latest run, or a batch. */
export interface Followed<T> {
  read: (id: string) => Promise<T>;
  /** Identifies what a client would see change; two equal keys are the same event. */
  key: (snapshot: T) => string;
  /** After a final snapshot there is nothing more to follow. */
  isFinal: (snapshot: T) => boolean;
  /** Error codes after which polling is pointless: the thing is gone. */
  finalProblems: ReadonlySet<string>;
}

/**
 * The one poller of one thing's progress, shared by every client that follows it: it reads at most once per
 * interval whatever the number of clients, and tells them only what changed. It ends after a final snapshot.
 */
export class ProgressFeed<T> {
  private readonly listeners = new Set<FeedListener<T>>();
  private latest: T | null = null;
  private lastProblem: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** The first read: every client that joins before it lands waits on the same one. */
  readonly ready: Promise<T>;

  constructor(
    readonly id: string,
    private readonly followed: Followed<T>,
    private readonly pollMs: number,
    private readonly onClosed: (feed: ProgressFeed<T>) => void,
  ) {
    this.ready = this.followed.read(id).then((snapshot) => {
      this.latest = snapshot;
      if (this.followed.isFinal(snapshot)) this.close();
      else this.schedule();
      return snapshot;
    });
    // A failed first read closes the feed; each waiting client gets the error from `ready`.
    this.ready.catch(() => this.close());
  }

  get current(): T | null {
    return this.latest;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Adds a listener; the returned function removes it, and the feed stops once it has none. */
  listen(listener: FeedListener<T>): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.close();
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.onClosed(this);
  }

  private schedule(): void {
    if (!this.closed) this.timer = setTimeout(() => void this.poll(), this.pollMs);
  }

  private async poll(): Promise<void> {
    try {
      const snapshot = await this.followed.read(this.id);
      this.lastProblem = null;
      if (this.latest === null || this.followed.key(snapshot) !== this.followed.key(this.latest)) {
        this.latest = snapshot;
        this.broadcast({ kind: 'snapshot', snapshot });
      }
      if (this.followed.isFinal(snapshot)) return this.finish();
    } catch (thrown) {
      const error = asApiError(thrown);
      const final = this.followed.finalProblems.has(error.code);
      if (final || error.code !== this.lastProblem) this.broadcast({ kind: 'problem', error, final });
      this.lastProblem = error.code;
      if (final) return this.finish();
    }
    this.schedule();
  }

  private finish(): void {
    this.broadcast({ kind: 'end' });
    this.close();
  }

  private broadcast(event: FeedEvent<T>): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // One client's broken stream must not stop the others' events, nor the poller.
        this.listeners.delete(listener);
      }
    }
  }
}
