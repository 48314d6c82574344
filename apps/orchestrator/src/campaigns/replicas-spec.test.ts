/** The training entry's `replicas`: in the job's parameters (hence its key) only above 1; scratch only. */
import { describe, expect, it } from 'vitest';
import { expandSpec } from './expand.js';
import { loadSpecText } from './spec.js';
import { SpecError } from './validation.js';
import { jobKey } from './versions.js';

const spec = (extra: string, method = 'scratch') => `
name: replicas
trainings:
  - name: base
    dataset: synthetic
    network: mobilenet_v2
    variants: [baseline]
    epochs: 1
    batch: 16
    method: ${method}
${extra}
`;

const job = (extra: string) => expandSpec(loadSpecText(spec(extra)))[0]!;

describe('trainings[].replicas', () => {
  it('puts replicas above 1 into the job parameters and key; 1 keys as before the option', () => {
    const none = job('');
    expect(job('    replicas: 2').params).toMatchObject({ replicas: 2 });
    expect(jobKey('train', job('    replicas: 2').params)).not.toBe(jobKey('train', none.params));
    expect(job('    replicas: 1').params).toEqual(none.params);
    expect(jobKey('train', job('    replicas: 1').params)).toBe(jobKey('train', none.params));
  });

  it('normalises to a spec that normalises again', () => {
    const once = loadSpecText(spec('    replicas: 2'));
    expect(loadSpecText(JSON.stringify(once))).toEqual(once);
  });

  it.each([
    ['    replicas: 0', 'trainings[0].replicas: expected a positive integer number of replicas'],
    ['    replicas: 1.5', 'trainings[0].replicas: expected a positive integer number of replicas'],
    ['    replicas: 17', 'trainings[0].replicas: 17 replicas exceed the batch of 16 (each needs one image)'],
  ])('%s is refused naming the field', (extra, message) => {
    expect(() => loadSpecText(spec(extra))).toThrow(SpecError);
    expect(() => loadSpecText(spec(extra))).toThrow(message);
  });

  it('is refused for kd and nos, whose teacher every replica would need', () => {
    const text = `${spec('')}  - dataset: synthetic
    network: mobilenet_v2
    variants: [fuse_half]
    epochs: 1
    method: kd
    teacher: base
    replicas: 2
`;
    expect(() => loadSpecText(text)).toThrow(
      'trainings[1].replicas: data-parallel replicas train from scratch only (method kd needs its teacher in every replica)',
    );
  });
});
