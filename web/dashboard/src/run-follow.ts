import type { TaskProgressResponse } from '../../../src/api/models';
import { api, ApiProblem, MediaAccess, problemOf } from './api';
import { isFinal } from './run-view';

export interface FollowHandlers {
  snapshot: (run: TaskProgressResponse) => void;
  /** Something the user should know about the connection itself; null clears it. */
  notice: (text: string | null) => void;
  /** The run is over (its last snapshot has been given). */
  ended: () => void;
}

const POLL_MS = 2_000;
/** Token renewals in a row without the stream opening before the page falls back to polling. */
const MAX_RENEWALS = 3;

/**
 * Follows a video's latest run: over its event stream (EventSource, which reconnects by itself with Last-Event-ID
 * after a dropped connection), falling back to polling the GET when the stream is refused. EventSource hides why it
 * was refused, so the page asks the same URL with fetch: an expired or wrong token is renewed and the stream
 * reopened; anything else is shown, and polling takes over.
 */
export class RunFollower {
  private source: EventSource | null = null;
  private poller: number | undefined;
  private renewals = 0;
  private stopped = false;

  constructor(
    private readonly videoId: string,
    private readonly access: MediaAccess,
    private readonly handlers: FollowHandlers,
  ) {}

  private get eventsUrl(): string {
    return `/api/v1/videos/${encodeURIComponent(this.videoId)}/reprocess/events`;
  }

  async start(): Promise<void> {
    if (typeof EventSource === 'undefined') return this.poll('this browser has no EventSource');
    let token: string | null;
    try {
      token = await this.access.current();
    } catch (error) {
      return this.poll(error instanceof Error ? error.message : String(error));
    }
    if (this.stopped) return;
    const source = new EventSource(this.access.sign(this.eventsUrl, token));
    this.source = source;
    source.addEventListener('open', () => {
      this.renewals = 0;
      this.handlers.notice(null);
    });
    source.addEventListener('progress', (event) => {
      this.handlers.snapshot(JSON.parse((event as MessageEvent<string>).data) as TaskProgressResponse);
    });
    source.addEventListener('problem', (event) => {
      const { error } = JSON.parse((event as MessageEvent<string>).data) as { error: { message: string } };
      this.handlers.notice(`The workflow service cannot be reached right now: ${error.message}`);
    });
    source.addEventListener('end', () => {
      source.close();
      this.handlers.ended();
    });
    source.addEventListener('error', () => {
      if (this.stopped) return;
      if (source.readyState === EventSource.CLOSED) void this.diagnose(token);
      else this.handlers.notice('The live connection dropped; reconnecting…');
    });
  }

  stop(): void {
    this.stopped = true;
    this.source?.close();
    window.clearTimeout(this.poller);
  }

  /** Why the stream was refused, from the same request made with fetch (headers only; the body is dropped). */
  private async diagnose(token: string | null): Promise<void> {
    const abort = new AbortController();
    let response: Response;
    try {
      response = await fetch(this.access.sign(this.eventsUrl, token), { signal: abort.signal, cache: 'no-store' });
    } catch {
      return this.poll('the API cannot be reached');
    }
    if (response.status === 204) {
      abort.abort();
      return this.ended();
    }
    if (response.ok) {
      abort.abort();
      window.setTimeout(() => void this.start(), POLL_MS);
      return;
    }
    const problem = await problemOf(response);
    if (MediaAccess.isTokenProblem(problem) && this.renewals < MAX_RENEWALS) {
      this.renewals += 1;
      this.handlers.notice(
        problem.code === 'TOKEN_EXPIRED'
          ? 'The access token expired; a new one was minted and the live view reconnected.'
          : `The access token was refused (${problem.message}); a new one was minted and the live view reconnected.`,
      );
      await this.access.renew().catch(() => undefined);
      return this.start();
    }
    return this.poll(problem.message);
  }

  /** The last answer, then nothing more: the stream said the run was over. */
  private async ended(): Promise<void> {
    const run = await api<TaskProgressResponse>(`/api/v1/videos/${encodeURIComponent(this.videoId)}/reprocess`).catch(
      () => null,
    );
    if (run) this.handlers.snapshot(run);
    this.handlers.ended();
  }

  private poll(why: string): void {
    this.handlers.notice(`Live updates are unavailable (${why}); checking every ${POLL_MS / 1000} s instead.`);
    const tick = async () => {
      if (this.stopped) return;
      try {
        const run = await api<TaskProgressResponse>(`/api/v1/videos/${encodeURIComponent(this.videoId)}/reprocess`);
        this.handlers.snapshot(run);
        if (isFinal(run.status) && !run.stale) return this.handlers.ended();
      } catch (error) {
        if (error instanceof ApiProblem && error.code === 'TASK_NOT_FOUND') return this.handlers.ended();
      }
      this.poller = window.setTimeout(() => void tick(), POLL_MS);
    };
    void tick();
  }
}
