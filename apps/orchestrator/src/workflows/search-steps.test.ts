/** The search lanes' order when searches wait for a teacher training (campaign.ts searchSteps). */
import { describe, expect, it } from 'vitest';
import type { LaneStep, LaneWork } from './lanes.js';
import { searchSteps } from './campaign.js';

const work = {
  run: (position: number): LaneWork => ({ running: 1, start: async () => `run ${position}`, tally: () => ({ completed: 1, failed: 0 }) }),
  fail: (position: number): LaneWork<number> => ({ running: 0, start: async () => position, tally: () => ({ completed: 0, failed: 1 }) }),
};
const describeStep = async (step: LaneStep) =>
  step === undefined ? 'done' : 'waitUntil' in step ? 'wait' : step.running === 0 ? `fail ${await step.start()}` : await step.start();

describe('searchSteps', () => {
  // Positions 0, 1: trainings; 5: a search taught by 0; 6: without a teacher; 7: taught by 1.
  const teachers = new Map([
    [5, 0],
    [7, 1],
  ]);
  const dependsOn = (p: number) => teachers.get(p);

  it('runs searches whose teacher is done first, waits for the others, and fails those whose teacher failed', async () => {
    const trained = new Map<number, boolean>();
    const next = searchSteps(dependsOn, [5, 6, 7], new Set([0, 1]), trained, work);
    expect(await describeStep(next())).toBe('run 6');
    const waiting = next();
    expect(await describeStep(waiting)).toBe('wait');
    expect((waiting as { waitUntil: () => boolean }).waitUntil()).toBe(false);
    trained.set(1, false);
    expect((waiting as { waitUntil: () => boolean }).waitUntil()).toBe(true);
    expect(await describeStep(next())).toBe('fail 7');
    trained.set(0, true);
    expect(await describeStep(next())).toBe('run 5');
    expect(await describeStep(next())).toBe('done');
  });

  it('does not wait for a teacher that was done before the campaign started (not among the trainings to run)', async () => {
    const next = searchSteps(dependsOn, [5, 7], new Set([1]), new Map(), work);
    expect(await describeStep(next())).toBe('run 5');
    expect(await describeStep(next())).toBe('wait');
  });
});
