import {
  RunProgress,
  etaSeconds,
  rollUpProgress,
  selectSteps,
  taskStatus,
  toPercent,
  type StepState,
} from '../../src/progress';

const T0 = '2026-01-01T00:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();

function step(overrides: Partial<StepState>): StepState {
  return {
    name: 'probe',
    status: 'running',
    fraction: 0,
    attempt: 1,
    weight: 1,
    startedAt: null,
    updatedAt: null,
    finishedAt: null,
    message: null,
    error: null,
    ...overrides,
  };
}

describe('rollUpProgress', () => {
  it('weighs each step by its weight and leaves skipped steps out', () => {
    const steps = [
      step({ weight: 1, fraction: 1, status: 'completed' }),
      step({ weight: 3, fraction: 0.5 }),
      step({ weight: 100, fraction: 0, status: 'skipped' }),
    ];
    expect(rollUpProgress(steps, 'running')).toBeCloseTo((1 + 1.5) / 4);
  });

  it('is 100 % once the run completed, and 0 with no weight at all', () => {
    expect(rollUpProgress([step({ weight: 0 })], 'completed')).toBe(1);
    expect(rollUpProgress([step({ weight: 0 })], 'running')).toBe(0);
  });

  it('rounds percentages to one decimal and clamps them', () => {
    expect(toPercent(0.12345)).toBe(12.3);
    expect(toPercent(1.5)).toBe(100);
    expect(toPercent(-1)).toBe(0);
  });
});

describe('taskStatus', () => {
  const pending = { phase: 'running' as const, steps: [step({ status: 'pending' })] };
  const started = { phase: 'running' as const, steps: [step({ status: 'running' })] };

  it('is queued until a step is picked up, then running', () => {
    expect(taskStatus(pending, 'RUNNING')).toBe('queued');
    expect(taskStatus(started, 'RUNNING')).toBe('running');
    expect(taskStatus(null, 'RUNNING')).toBe('queued');
  });

  it('follows Temporal for endings the workflow cannot record', () => {
    expect(taskStatus(started, 'TERMINATED')).toBe('terminated');
    expect(taskStatus(started, 'TIMED_OUT')).toBe('timed_out');
    expect(taskStatus(null, 'CANCELLED')).toBe('cancelled');
    expect(taskStatus(null, 'FAILED')).toBe('failed');
    expect(taskStatus({ ...started, phase: 'completed' }, 'COMPLETED')).toBe('completed');
  });
});

describe('selectSteps', () => {
  it('runs every step when none are asked for, and always the probe and publish', () => {
    expect(selectSteps(undefined)).toEqual(['probe', 'thumbnails', 'transcode', 'audio', 'scenes', 'publish']);
    expect(selectSteps([])).toEqual(selectSteps(undefined));
    expect(selectSteps(['scenes', 'transcode'])).toEqual(['probe', 'transcode', 'scenes', 'publish']);
  });
});

describe('etaSeconds', () => {
  it('extrapolates the observed rate', () => {
    expect(etaSeconds(0.25, T0, Date.parse(at(10)))).toBe(30);
  });

  it('is unknown before any progress and after the end', () => {
    expect(etaSeconds(0, T0, Date.parse(at(10)))).toBeNull();
    expect(etaSeconds(1, T0, Date.parse(at(10)))).toBeNull();
    expect(etaSeconds(0.5, null, Date.parse(at(10)))).toBeNull();
  });
});

describe('RunProgress', () => {
  function running(): RunProgress {
    const progress = new RunProgress('demo', 'run-1', ['probe'], T0);
    progress.start('probe', at(1));
    return progress;
  }
  const probeOf = (progress: RunProgress) => progress.snapshot().steps.find((s) => s.name === 'probe')!;

  it('never lets a step go backwards', () => {
    const progress = running();
    expect(progress.report({ step: 'probe', attempt: 1, fraction: 0.6, at: at(2) })).toBe(true);
    expect(progress.report({ step: 'probe', attempt: 1, fraction: 0.4, at: at(3) })).toBe(false);
    expect(probeOf(progress).fraction).toBe(0.6);
  });

  it('ignores duplicate reports and reports from an older attempt', () => {
    const progress = running();
    progress.report({ step: 'probe', attempt: 2, fraction: 0.1, at: at(2) });
    const seq = progress.snapshot().seq;
    expect(progress.report({ step: 'probe', attempt: 2, fraction: 0.1, at: at(3) })).toBe(false);
    expect(progress.report({ step: 'probe', attempt: 1, fraction: 0.9, at: at(4) })).toBe(false);
    expect(progress.snapshot().seq).toBe(seq);
  });

  it('shows a retry as retrying and holds the fraction until the new attempt passes it', () => {
    const progress = running();
    progress.report({ step: 'probe', attempt: 1, fraction: 0.5, at: at(2) });
    progress.report({ step: 'probe', attempt: 2, fraction: 0.1, at: at(3) });
    expect(probeOf(progress)).toMatchObject({ status: 'retrying', attempt: 2, fraction: 0.5 });
    progress.report({ step: 'probe', attempt: 2, fraction: 0.7, at: at(4) });
    expect(probeOf(progress)).toMatchObject({ status: 'running', attempt: 2, fraction: 0.7 });
  });

  it('ignores reports for a finished step', () => {
    const progress = running();
    progress.complete('probe', at(2));
    expect(progress.report({ step: 'probe', attempt: 1, fraction: 0.2, at: at(3) })).toBe(false);
    expect(probeOf(progress)).toMatchObject({ status: 'completed', fraction: 1, finishedAt: at(2) });
  });

  it('clamps nonsense fractions', () => {
    const progress = running();
    progress.report({ step: 'probe', attempt: 1, fraction: Number.NaN, at: at(2) });
    progress.report({ step: 'probe', attempt: 1, fraction: 7, at: at(3) });
    expect(probeOf(progress).fraction).toBe(1);
  });

  it('bumps seq on every change and records the outcome', () => {
    const progress = running();
    const before = progress.snapshot().seq;
    progress.fail('probe', at(2), 'the file has no video stream');
    progress.finish('failed', at(2), { error: 'the file has no video stream' });
    const snapshot = progress.snapshot();
    expect(snapshot.seq).toBe(before + 2);
    expect(snapshot).toMatchObject({ phase: 'failed', finishedAt: at(2), error: 'the file has no video stream' });
  });

  it('cancels only the steps that had not finished', () => {
    const progress = running();
    progress.cancelUnfinished(at(2));
    expect(probeOf(progress).status).toBe('cancelled');
  });

  it('hands out copies, so a query never sees later changes', () => {
    const progress = running();
    const snapshot = progress.snapshot();
    progress.complete('probe', at(2));
    expect(snapshot.steps[0]?.status).toBe('running');
  });
});

describe('RunProgress, a step made of parts', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

  it("sums the parts by weight, never goes down, and shows a part's retry as the step's", () => {
    const progress = new RunProgress('v', 'r', ['probe', 'transcode', 'publish'], at(0));
    progress.start('transcode', at(1));
    progress.divide('transcode', [3, 1], at(1));
    const transcode = () => progress.snapshot().steps.find((step) => step.name === 'transcode')!;
    progress.report({
      step: 'transcode',
      attempt: 0,
      fraction: 0,
      at: at(2),
      parts: [{ part: 0, attempt: 1, fraction: 0.5 }],
    });
    expect(transcode().fraction).toBeCloseTo(0.375, 9);
    // Part 1's first attempt dies; its retry reports 0 and is shown as retrying, the step's fraction held.
    progress.report({
      step: 'transcode',
      attempt: 0,
      fraction: 0,
      at: at(3),
      parts: [{ part: 1, attempt: 1, fraction: 0.8 }],
    });
    const before = transcode().fraction;
    progress.report({
      step: 'transcode',
      attempt: 0,
      fraction: 0,
      at: at(4),
      parts: [{ part: 1, attempt: 2, fraction: 0 }],
    });
    expect(transcode()).toMatchObject({ status: 'retrying', attempt: 2 });
    expect(transcode().fraction).toBe(before);
    // A late report of the dead attempt is ignored.
    expect(
      progress.report({
        step: 'transcode',
        attempt: 0,
        fraction: 0,
        at: at(5),
        parts: [{ part: 1, attempt: 1, fraction: 0.9 }],
      }),
    ).toBe(false);
    progress.completePart('transcode', 0, at(6));
    progress.completePart('transcode', 1, at(7));
    expect(transcode().fraction).toBe(1);
    expect(transcode().parts?.map((part) => part.status)).toEqual(['completed', 'completed']);
  });

  it('stops the unfinished parts with their step, so none shows as running', () => {
    const progress = new RunProgress('v', 'r', ['probe', 'transcode', 'publish'], at(0));
    progress.start('transcode', at(1));
    progress.divide('transcode', [1, 1, 1], at(1));
    progress.report({
      step: 'transcode',
      attempt: 0,
      fraction: 0,
      at: at(2),
      parts: [{ part: 0, attempt: 1, fraction: 0.5 }],
    });
    progress.completePart('transcode', 1, at(3));
    progress.fail('transcode', at(4), 'chunk 3 could not be encoded');
    const parts = progress.snapshot().steps.find((step) => step.name === 'transcode')?.parts;
    expect(parts?.map((part) => part.status)).toEqual(['cancelled', 'completed', 'cancelled']);
  });
});
