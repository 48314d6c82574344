/** The training entry's `augment`: in the job's parameters (hence its key) only when it augments. */
import { describe, expect, it } from 'vitest';
import { expandSpec } from './expand.js';
import { loadSpecText } from './spec.js';
import { SpecError } from './validation.js';
import { jobKey } from './versions.js';

const spec = (augment: string) => `
name: aug
trainings:
  - dataset: synthetic
    network: mobilenet_v2
    variants: [baseline]
    epochs: 1
${augment}
`;

const params = (augment: string) => expandSpec(loadSpecText(spec(augment)))[0]!.params as { augment?: unknown };

describe('trainings[].augment', () => {
  it('puts crop and flip into the job parameters', () => {
    expect(params('    augment: { crop: 4, flip: true }').augment).toEqual({ crop: 4, flip: true });
    expect(params('    augment: { flip: true }').augment).toEqual({ flip: true });
  });

  it('leaves nothing that does not augment in the parameters, so the job key stays that of no augmentation', () => {
    const none = expandSpec(loadSpecText(spec('')))[0]!;
    for (const same of ['    augment: {}', '    augment: { crop: 0 }', '    augment: { crop: 0, flip: false }']) {
      const job = expandSpec(loadSpecText(spec(same)))[0]!;
      expect(job.params).toEqual(none.params);
      expect(jobKey('train', job.params)).toBe(jobKey('train', none.params));
    }
    expect(jobKey('train', params('    augment: { crop: 4 }'))).not.toBe(jobKey('train', none.params));
  });

  it.each([
    ['    augment: { crop: -1 }', 'trainings[0].augment.crop: expected 0 or more pixels'],
    ['    augment: { crop: 2.5 }', 'trainings[0].augment.crop: expected a whole number of pixels'],
    ['    augment: { flip: "yes" }', 'trainings[0].augment.flip: expected true or false'],
    ['    augment: { rotate: 10 }', 'trainings[0].augment'],
  ])('%s is refused naming the field', (augment, message) => {
    expect(() => loadSpecText(spec(augment))).toThrow(SpecError);
    expect(() => loadSpecText(spec(augment))).toThrow(message);
  });
});
