import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { STALLED_AFTER_MS, VOUCH_EVERY_MS, vouchForChild } from './liveness.js';

describe('vouchForChild', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function start(stalledAfterMs?: number) {
    const beats: unknown[] = [];
    let step = 0;
    const liveness = vouchForChild({
      heartbeat: (details) => beats.push(details),
      details: () => ({ step }),
      now: () => Date.now(),
      ...(stalledAfterMs !== undefined ? { stalledAfterMs } : {}),
    });
    return { beats, liveness, setStep: (s: number) => (step = s) };
  }

  it('heartbeats at once and then on its timer while the child is silent but not stalled', () => {
    const { beats, liveness, setStep } = start();
    expect(beats).toEqual([{ step: 0 }]);
    // A step far longer than the heartbeat timeout: the worker keeps vouching for its child.
    setStep(3);
    vi.advanceTimersByTime(120_000);
    expect(beats).toHaveLength(1 + 120_000 / VOUCH_EVERY_MS);
    expect(beats.at(-1)).toEqual({ step: 3 });
    liveness.stop();
  });

  it('heartbeats on every progress report as well (cancellation arrives with the answers)', () => {
    const { beats, liveness } = start();
    liveness.progressed();
    liveness.progressed();
    expect(beats).toHaveLength(3);
    liveness.stop();
  });

  it('stops vouching for a child silent past the stall bound, and resumes when it reports again', () => {
    const { beats, liveness } = start(10_000);
    vi.advanceTimersByTime(10_000);
    const atBound = beats.length;
    vi.advanceTimersByTime(60_000);
    // No beat after the bound: the server's heartbeat timeout will end the attempt.
    expect(beats.length).toBe(atBound);
    liveness.progressed();
    vi.advanceTimersByTime(VOUCH_EVERY_MS);
    expect(beats.length).toBe(atBound + 2);
    liveness.stop();
  });

  it('sends nothing after stop', () => {
    const { beats, liveness } = start();
    liveness.stop();
    vi.advanceTimersByTime(STALLED_AFTER_MS);
    expect(beats).toHaveLength(1);
  });
});
