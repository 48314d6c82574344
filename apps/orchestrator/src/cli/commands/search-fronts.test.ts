import { describe, expect, it } from 'vitest';
import { renderSearchFronts } from './campaign.js';

describe('renderSearchFronts', () => {
  it('prints each front member with its objectives, heading those minimised as their negative −accuracy', () => {
    const text = renderSearchFronts([
      {
        jobKey: 'k'.repeat(64),
        name: 'acc',
        network: 'mobilenet_v2',
        space: 'blocks',
        strategy: 'random',
        objectives: ['accuracy', 'latency'],
        evaluations: 3,
        generations: 1,
        runs: 1,
        front: [{ key: 'dh', operators: ['dw', 'fuse_half'], objectives: { accuracy: -0.4, latency: 1200 } }],
        codeVersion: 'v',
        worker: null,
        createdAt: '2026-11-30T00:00:00.000Z',
      },
    ]);
    expect(text).toMatch(/^search acc: mobilenet_v2 blocks random, 3 evaluations in 1 generations \(1 workflow run\), front of 1\n/);
    expect(text).toContain('−accuracy');
    expect(text).toMatch(/│ 1 │ dh +│ +-0\.4 │ +1,200 │/);
  });
});
