/** A search's `constraints`: in its parameters (hence its key) when given; bounds nothing meets are refused at submit. */
import { describe, expect, it } from 'vitest';
import { expandSpec, type SearchJobParams } from './expand.js';
import { loadSpecText } from './spec.js';
import { specError } from './test-util.js';
import { jobKey } from './versions.js';

const spec = (constraints: string) => `
name: constrained
searches:
  - { network: mobilenet_v2, space: blocks, strategy: random, objectives: [latency, params], budget: 10${constraints} }
`;
const params = (constraints: string) => expandSpec(loadSpecText(spec(constraints)))[0]!.params as SearchJobParams;

describe('searches[].constraints', () => {
  it('enter the parameters and the key when given; none, or {}, keys as before', () => {
    expect(params(', constraints: { speedup: 2 }').constraints).toEqual({ speedup: 2 });
    expect(params(', constraints: { latency: 90000000, speedup: 1.5 }').constraints).toEqual({ latency: 90000000, speedup: 1.5 });
    expect(params('')).not.toHaveProperty('constraints');
    expect(jobKey('nas', params(', constraints: {}'))).toBe(jobKey('nas', params('')));
    expect(jobKey('nas', params(', constraints: { speedup: 2 }'))).not.toBe(jobKey('nas', params('')));
  });

  it('refuse bad values and bounds no network of the space meets, naming the field', () => {
    expect(specError(spec(', constraints: { speedup: 0 }'))).toBe('searches[0].constraints.speedup: expected a positive speed-up');
    expect(specError(spec(', constraints: { latency: 1.5 }'))).toBe(
      'searches[0].constraints.latency: expected a positive whole number of cycles',
    );
    expect(specError(spec(', constraints: { power: 3 }'))).toBe('searches[0].constraints: unknown field "power"');
    expect(specError(spec(', constraints: { speedup: 50 }'))).toMatch(
      /^searches\[0\]\.constraints\.speedup: no network of the blocks space of mobilenet_v2 meets it: the fastest takes [\d,]+ cycles on 64x64\/fuse/,
    );
    expect(specError(spec(', constraints: { latency: 1000 }'))).toMatch(
      /^searches\[0\]\.constraints\.latency: no network of the blocks space/,
    );
  });
});
