import {
  batchCounts,
  batchPercent,
  batchStatus,
  DEFAULT_VIDEO_COST,
  enqueue,
  finished,
  holdPercent,
  isOver,
  mayStart,
  newBatchState,
  opened,
  videoCost,
} from '../../src/progress';

const at = { createdAt: '2026-01-01T00:00:00.000Z', id: 'x' };

describe('a batch’s bookkeeping', () => {
  it('weighs a video by duration × pixels, and an unknown one as 60 s of 720p', () => {
    expect(videoCost(JSON.stringify({ durationSeconds: 10, width: 640, height: 360 }))).toBe(10 * 640 * 360);
    expect(videoCost(null)).toBe(DEFAULT_VIDEO_COST);
    expect(videoCost('{"durationSeconds":0}')).toBe(DEFAULT_VIDEO_COST);
    expect(videoCost('not json')).toBe(DEFAULT_VIDEO_COST);
  });

  it('starts while a slot is free and videos are left, and not when paused or cancelled', () => {
    const state = newBatchState('2026-01-01T00:00:00.000Z');
    expect(mayStart(state, 2)).toBe(true);
    enqueue(state, [{ videoId: 'a', cost: 1 }], null);
    opened(state, { videoId: 'a', cost: 1, runId: 'r', ours: true });
    opened(state, { videoId: 'b', cost: 1, runId: 'r', ours: true });
    expect(mayStart(state, 2)).toBe(false);
    expect(state.peakOpen).toBe(2);
    finished(state, { videoId: 'a', cost: 1 }, 'completed');
    state.paused = true;
    expect(mayStart(state, 2)).toBe(false);
    expect(batchStatus(state)).toBe('paused');
    state.paused = false;
    state.cancel = { cancelRuns: false };
    expect(batchStatus(state)).toBe('cancelling');
    finished(state, { videoId: 'b', cost: 1 }, 'cancelled');
    expect(isOver(state)).toBe(true);
    expect(batchStatus(state)).toBe('cancelled');
  });

  it('counts add up to what was selected', () => {
    const state = newBatchState('2026-01-01T00:00:00.000Z');
    enqueue(
      state,
      ['a', 'b', 'c', 'd'].map((videoId) => ({ videoId, cost: 1 })),
      at,
    );
    state.queue.splice(0, 3);
    opened(state, { videoId: 'a', cost: 1, runId: 'r', ours: true });
    finished(state, { videoId: 'b', cost: 1 }, 'skipped');
    finished(state, { videoId: 'c', cost: 1 }, 'failed');
    const counts = batchCounts(state);
    expect(counts).toEqual({ selected: 4, completed: 0, failed: 1, skipped: 1, cancelled: 0, running: 1, pending: 1 });
    expect(batchStatus(state)).toBe('running');
  });

  it('weighs progress by cost, counting the unwalked rest at the average, and never shows it going down', () => {
    const state = newBatchState('2026-01-01T00:00:00.000Z');
    enqueue(
      state,
      [
        { videoId: 'a', cost: 10 },
        { videoId: 'b', cost: 10 },
      ],
      at,
    );
    finished(state, { videoId: 'a', cost: 10 }, 'completed');
    // 2 of 4 walked, 10 of an expected 40 done.
    expect(batchPercent(state, 4)).toBe(25);
    expect(holdPercent(state, 4)).toBe(25);
    // A costly page lowers the estimate; the shown figure holds.
    enqueue(state, [{ videoId: 'c', cost: 100 }], at);
    expect(batchPercent(state, 4)).toBeLessThan(25);
    expect(holdPercent(state, 4)).toBe(25);
  });
});
