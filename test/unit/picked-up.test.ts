import { stepsPickedUp } from '../../src/progress';

describe('stepsPickedUp(pending, stage)', () => {
  const pending = (activityType: string, started = false, attempt = 1) => ({ activityType, started, attempt });

  it('says no while the steps are only scheduled, whatever else is pending or started', () => {
    expect(stepsPickedUp([], undefined)).toBe(false);
    expect(stepsPickedUp([pending('probe')], 'probe')).toBe(false);
    // The catalog's records are not steps: one running says nothing about the pipeline.
    expect(stepsPickedUp([pending('recordRunStarted', true, 3)], 'queued')).toBe(false);
  });

  it('says yes once a step was started or is being retried', () => {
    expect(stepsPickedUp([pending('probe', true)], 'probe')).toBe(true);
    expect(stepsPickedUp([pending('transcode', false, 2)], 'processing')).toBe(true);
  });

  it('says yes once the stage is past the probe, even with nothing pending', () => {
    for (const stage of ['processing', 'publish', 'completed']) expect(stepsPickedUp([], stage)).toBe(true);
  });
});
