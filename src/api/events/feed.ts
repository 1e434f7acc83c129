import { isFinalTaskStatus } from '../../progress';
import type { TaskProgressResponse } from '../models';
import { asApiError, type ApiError } from '../errors';

/** What a follower of a video's progress receives. */
export type FeedEvent =
  | { kind: 'snapshot'; snapshot: TaskProgressResponse }
  /** The read failed; `final` when it cannot succeed later (the task is gone), else polling goes on. */
  | { kind: 'problem'; error: ApiError; final: boolean }
  | { kind: 'end' };

export type FeedListener = (event: FeedEvent) => void;
export type ReadProgress = (videoId: string) => Promise<TaskProgressResponse>;

/** Errors after which polling is pointless: the run or the video is gone. */
const FINAL_PROBLEMS = new Set(['TASK_NOT_FOUND', 'VIDEO_NOT_FOUND']);

/** Identifies what a client would see change; two equal keys are the same event. */
export const snapshotKey = (s: TaskProgressResponse) => `${s.run_id}|${s.seq}|${s.status}|${s.stale}|${s.progress}`;

/**
 * The one poller of one video's progress, shared by every client that follows it: it reads at most once per
 * interval whatever the number of clients, and tells them only what changed. It ends after a terminal state.
 */
export class ProgressFeed {
  private readonly listeners = new Set<FeedListener>();
  private latest: TaskProgressResponse | null = null;
  private lastProblem: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** The first read: every client that joins before it lands waits on the same one. */
  readonly ready: Promise<TaskProgressResponse>;

  constructor(
    readonly videoId: string,
    private readonly read: ReadProgress,
    private readonly pollMs: number,
    private readonly onClosed: (feed: ProgressFeed) => void,
  ) {
    this.ready = this.read(videoId).then((snapshot) => {
      this.latest = snapshot;
      if (isFinalTaskStatus(snapshot.status)) this.close();
      else this.schedule();
      return snapshot;
    });
    // A failed first read closes the feed; each waiting client gets the error from `ready`.
    this.ready.catch(() => this.close());
  }

  get current(): TaskProgressResponse | null {
    return this.latest;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Adds a listener; the returned function removes it, and the feed stops once it has none. */
  listen(listener: FeedListener): () => void {
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
      const snapshot = await this.read(this.videoId);
      this.lastProblem = null;
      if (this.latest === null || snapshotKey(snapshot) !== snapshotKey(this.latest)) {
        this.latest = snapshot;
        this.broadcast({ kind: 'snapshot', snapshot });
      }
      if (isFinalTaskStatus(snapshot.status)) return this.finish();
    } catch (thrown) {
      const error = asApiError(thrown);
      const final = FINAL_PROBLEMS.has(error.code);
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

  private broadcast(event: FeedEvent): void {
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
