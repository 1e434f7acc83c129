import type { ApiMetrics } from '../metrics';
import { ProgressFeed, type ReadProgress } from './feed';

/** Keeps one ProgressFeed per followed video, and none for videos nobody follows. */
export class ProgressHub {
  private readonly feeds = new Map<string, ProgressFeed>();

  constructor(
    private readonly read: ReadProgress,
    private readonly pollMs: number,
    private readonly metrics?: Pick<ApiMetrics, 'eventPollers'>,
  ) {}

  /** The video's feed, started by its first follower. */
  feedFor(videoId: string): ProgressFeed {
    let feed = this.feeds.get(videoId);
    if (!feed) {
      feed = new ProgressFeed(videoId, this.read, this.pollMs, (closed) => {
        if (this.feeds.get(videoId) === closed) this.feeds.delete(videoId);
        this.metrics?.eventPollers.set(this.feeds.size);
      });
      this.feeds.set(videoId, feed);
      this.metrics?.eventPollers.set(this.feeds.size);
    }
    return feed;
  }

  get pollerCount(): number {
    return this.feeds.size;
  }
}
