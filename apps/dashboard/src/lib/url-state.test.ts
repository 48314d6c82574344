import { describe, expect, it } from 'vitest';
import { decodeState, encodeState } from './url-state.ts';

const schema = {
  networks: { kind: 'list', default: ['mobilenet_v2'] },
  model: { kind: 'enum', values: ['reference', 'stos'], default: 'reference' },
  array: { kind: 'string', default: '64x64' },
  page: { kind: 'int', default: 1 },
  log: { kind: 'bool', default: false },
} as const;

describe('URL state', () => {
  it('gives the defaults for an empty query', () => {
    expect(decodeState(schema, new URLSearchParams(''))).toEqual({
      networks: ['mobilenet_v2'],
      model: 'reference',
      array: '64x64',
      page: 1,
      log: false,
    });
  });

  it('round-trips a state through the query string', () => {
    const state = { networks: ['mobilenet_v1', 'mnasnet_b1'], model: 'stos', array: '16x64', page: 3, log: true };
    const text = encodeState(schema, state);
    expect(text).toBe('networks=mobilenet_v1%2Cmnasnet_b1&model=stos&array=16x64&page=3&log=1');
    expect(decodeState(schema, new URLSearchParams(text))).toEqual(state);
  });

  it('leaves defaults out of the link and keeps an empty list distinct from the default', () => {
    expect(encodeState(schema, { networks: ['mobilenet_v2'], model: 'reference', page: 1 })).toBe('');
    expect(encodeState(schema, { networks: [] })).toBe('networks=');
    expect(decodeState(schema, new URLSearchParams('networks=')).networks).toEqual([]);
  });

  it('falls back to the default for values it cannot use', () => {
    expect(decodeState(schema, new URLSearchParams('model=gpu&page=x'))).toMatchObject({ model: 'reference', page: 1 });
  });
});
