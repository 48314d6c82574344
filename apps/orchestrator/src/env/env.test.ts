import { describe, expect, it } from 'vitest';
import { EnvError, loadEnv } from './env.js';

const problemOf = (source: NodeJS.ProcessEnv) => {
  try {
    loadEnv(source, '/tmp');
  } catch (error) {
    if (error instanceof EnvError) return { field: error.field, problem: error.problem };
    throw error;
  }
  throw new Error('expected an EnvError');
};

describe('worker concurrency from the environment', () => {
  it('defaults: 4 activities per queue, 1 training at a time', () => {
    expect(loadEnv({}, '/tmp')).toMatchObject({ workerConcurrency: 4, trainConcurrency: 1 });
  });

  it('FUSELAB_TRAIN_CONCURRENCY sets the trainings at once (blank: the default)', () => {
    expect(loadEnv({ FUSELAB_TRAIN_CONCURRENCY: '2' }, '/tmp').trainConcurrency).toBe(2);
    expect(loadEnv({ FUSELAB_TRAIN_CONCURRENCY: ' ' }, '/tmp').trainConcurrency).toBe(1);
  });

  it.each(['0', '-1', '1.5', 'two', '257'])('FUSELAB_TRAIN_CONCURRENCY=%s is refused, naming the variable', (value) => {
    const { field, problem } = problemOf({ FUSELAB_TRAIN_CONCURRENCY: value });
    expect(field).toBe('FUSELAB_TRAIN_CONCURRENCY');
    expect(problem).toMatch(value === '257' ? /256/ : /expected a positive integer/);
  });
});
