import type { ApiMetrics } from '../metrics';
import { ProgressFeed, type Followed } from './feed';

/** Keeps one ProgressFeed per followed thing (a video, a batch), and none for things nobody follows. */
export class ProgressHub<T> {
  private readonly feeds = new Map<string, ProgressFeed<T>>();

  constructor(
    private readonly followed: Followed<T>,
    private readonly pollMs: number,
    private readonly metrics?: Pick<ApiMetrics, 'eventPollers'>,
  ) {}

  /** The thing's feed, started by its first follower. */
  feedFor(id: string): ProgressFeed<T> {
    let feed = this.feeds.get(id);
    if (!feed) {
      feed = new ProgressFeed(id, this.followed, this.pollMs, (closed) => {
        if (this.feeds.get(id) === closed) this.feeds.delete(id);
        this.metrics?.eventPollers.set(this.feeds.size);
      });
      this.feeds.set(id, feed);
      this.metrics?.eventPollers.set(this.feeds.size);
    }
    return feed;
  }

  get pollerCount(): number {
    return this.feeds.size;
  }
}
