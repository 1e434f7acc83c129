import { ApiError } from '../../src/api/errors';
import type { FeedEvent } from '../../src/api/events/feed';
import { followVideoRuns } from '../../src/api/events/followed';
import { ProgressHub } from '../../src/api/events/hub';
import type { TaskProgressResponse } from '../../src/api/models';
import { snapshot } from '../helpers/snapshots';
import { eventually } from '../helpers/gate';

/** A reader that answers from a script, one entry per read, repeating the last one. */
function scripted(script: (TaskProgressResponse | ApiError)[]) {
  const reads: string[] = [];
  const read = (videoId: string) => {
    reads.push(videoId);
    const next = script.length > 1 ? script.shift()! : script[0]!;
    return next instanceof ApiError ? Promise.reject(next) : Promise.resolve(next);
  };
  return { read, reads };
}

describe('ProgressHub and ProgressFeed', () => {
  it('polls a video once per interval however many clients follow it, and tells them only of changes', async () => {
    const reader = scripted([snapshot(1), snapshot(1), snapshot(2), snapshot(2), snapshot(3, 'completed')]);
    const hub = new ProgressHub(followVideoRuns(reader.read), 5);
    const received: FeedEvent<TaskProgressResponse>[][] = [];
    const feeds = Array.from({ length: 10 }, () => hub.feedFor('v'));
    expect(new Set(feeds).size).toBe(1);
    expect(hub.pollerCount).toBe(1);
    for (const feed of feeds) {
      const events: FeedEvent<TaskProgressResponse>[] = [];
      received.push(events);
      feed.listen((event) => events.push(event));
    }
    await feeds[0]!.ready;
    await eventually(() => (hub.pollerCount === 0 ? true : undefined), 5_000);

    expect(reader.reads).toHaveLength(5);
    for (const events of received) {
      const seqs = events.flatMap((event) => (event.kind === 'snapshot' ? [event.snapshot.seq] : []));
      expect(seqs).toEqual([2, 3]);
      expect(events.at(-1)).toEqual({ kind: 'end' });
    }
  });

  it('reports a transient problem once, keeps polling, and goes on when the service is back', async () => {
    const down = new ApiError('ORCHESTRATOR_UNAVAILABLE');
    const reader = scripted([snapshot(1), down, down, down, snapshot(2), snapshot(3, 'failed')]);
    const hub = new ProgressHub(followVideoRuns(reader.read), 5);
    const feed = hub.feedFor('v');
    const events: FeedEvent<TaskProgressResponse>[] = [];
    feed.listen((event) => events.push(event));
    await feed.ready;
    await eventually(() => (events.at(-1)?.kind === 'end' ? true : undefined), 5_000);
    expect(events.map((event) => event.kind)).toEqual(['problem', 'snapshot', 'snapshot', 'end']);
    expect(events[0]).toMatchObject({ kind: 'problem', final: false });
  });

  it('ends with a final problem when the task disappears', async () => {
    const reader = scripted([snapshot(1), new ApiError('TASK_NOT_FOUND')]);
    const hub = new ProgressHub(followVideoRuns(reader.read), 5);
    const feed = hub.feedFor('v');
    const events: FeedEvent<TaskProgressResponse>[] = [];
    feed.listen((event) => events.push(event));
    await feed.ready;
    await eventually(() => (hub.pollerCount === 0 ? true : undefined), 5_000);
    expect(events).toEqual([expect.objectContaining({ kind: 'problem', final: true }), { kind: 'end' }]);
  });

  it('stops polling when its last client leaves, and a failed first read closes the feed', async () => {
    const reader = scripted([snapshot(1)]);
    const hub = new ProgressHub(followVideoRuns(reader.read), 5);
    const feed = hub.feedFor('v');
    const leave = feed.listen(() => undefined);
    await feed.ready;
    leave();
    expect(hub.pollerCount).toBe(0);
    const readsWhenLeft = reader.reads.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reader.reads.length).toBe(readsWhenLeft);

    const failing = new ProgressHub(followVideoRuns(scripted([new ApiError('TASK_NOT_FOUND')]).read), 5);
    await expect(failing.feedFor('v').ready).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' });
    expect(failing.pollerCount).toBe(0);
  });
});
