/**
 * The `stem` field of campaign simulations and trainings: refused when unknown, and part of a job's
 * parameters (hence its key) only when it is not fuseconv's default for the input, so jobs written
 * before stems existed keep their keys.
 */
import { describe, expect, it } from 'vitest';
import { expandSpec, type SimJobParams, type TrainJobParams } from './expand.js';
import { loadSpecText } from './spec.js';
import { SpecError } from './validation.js';
import { jobKey } from './versions.js';

const sweep = (extra: string) => `
name: stems
simulations:
  networks: [mobilenet_v2]
  variants: [baseline]
  arrays: [32]
${extra}`;

const training = (extra: string) => `
name: stems
trainings:
  - dataset: fashion-mnist
    network: mobilenet_v2
    variants: [baseline]
    epochs: 1
${extra}`;

const keys = (text: string) => expandSpec(loadSpecText(text)).map((job) => jobKey(job.kind, job.params));

describe('campaign spec stem', () => {
  it('simulations: the default for the input adds nothing to the key; the other stem does', () => {
    expect(keys(sweep('  stem: imagenet'))).toEqual(keys(sweep('')));
    expect(keys(sweep('  inputSize: 32\n  stem: cifar'))).toEqual(keys(sweep('  inputSize: 32')));
    const cifar = expandSpec(loadSpecText(sweep('  stem: cifar')))[0]!.params as SimJobParams;
    expect(cifar).toMatchObject({ inputSize: 224, stem: 'cifar' });
    expect(keys(sweep('  stem: cifar'))).not.toEqual(keys(sweep('')));
    const small = expandSpec(loadSpecText(sweep('  inputSize: 32\n  stem: imagenet')))[0]!.params as SimJobParams;
    expect(small.stem).toBe('imagenet');
  });

  it('trainings: fashion-mnist (28 px) defaults to cifar, so only imagenet is recorded', () => {
    expect(keys(training('    stem: cifar'))).toEqual(keys(training('')));
    const params = expandSpec(loadSpecText(training('    stem: imagenet')))[0]!.params as TrainJobParams;
    expect(params.stem).toBe('imagenet');
  });

  it('refuses an unknown stem, naming the field', () => {
    expect(() => loadSpecText(sweep('  stem: tiny'))).toThrow(SpecError);
    expect(() => loadSpecText(sweep('  stem: tiny'))).toThrow(
      /^simulations(\[0\])?\.stem: unknown stem "tiny", expected one of imagenet, cifar$/,
    );
    expect(() => loadSpecText(training('    stem: resnet'))).toThrow(/^trainings\[0\]\.stem: unknown stem "resnet"/);
  });
});
