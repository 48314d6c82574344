import { describe, expect, it } from 'vitest';
import type { RunningSearch } from '../../workflows/campaign.js';
import { describeRunningSearches, describeSearch } from './campaign.js';

const search = (over: Partial<RunningSearch>): RunningSearch => ({
  name: 'acc',
  position: 0,
  key: 'nas:abc',
  status: 'running',
  strategy: 'random',
  budget: 12,
  evaluations: 0,
  generation: 0,
  run: 1,
  front: 0,
  ...over,
});

describe('the campaign progress bar: running searches', () => {
  it('adds nothing when no search runs', () => {
    expect(describeRunningSearches(undefined)).toBe('');
    expect(describeRunningSearches([])).toBe('');
  });

  it('says how far each search is: starting, evaluated of budget (with the front once a generation is told), confirming', () => {
    expect(describeRunningSearches([search({ status: 'starting', budget: 0, strategy: null })])).toBe(' · search acc: starting');
    expect(describeRunningSearches([search({ evaluations: 5 })])).toBe(' · search acc: 5/12 evaluated');
    expect(describeRunningSearches([search({ evaluations: 9, generation: 1, front: 3 })])).toBe(' · search acc: 9/12 evaluated, front 3');
    expect(
      describeRunningSearches([
        search({ evaluations: 12, generation: 2, front: 4, confirmations: { done: 3, total: 8 } }),
        search({ name: 'nos', position: 1, evaluations: 2 }),
      ]),
    ).toBe(' · search acc: confirming 3/8 trainings · search nos: 2/12 evaluated');
  });

  it('`campaign status` prints the same words, a line per search', () => {
    expect(describeSearch(search({ evaluations: 9, generation: 1, front: 3 }))).toBe('search acc: 9/12 evaluated, front 3');
  });
});
