import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/activity';
import { buildNetwork } from '@fuselab/fuseconv';
import { createStrategy, makeSpace } from '@fuselab/nas';
import { assertCheckpoint, DatasetError, NosInputError, parseIdx } from '@fuselab/nos';
import { InputError, InvalidArrayError, parseArraySize, parseScaleSimTopologyCsv } from '@fuselab/systolic-sim';
import { SpecError } from '../campaigns/validation.js';
import { normaliseSpec } from '../campaigns/spec.js';
import { UsageError } from '../cli/usage-error.js';
import { parsePositiveInt } from '../cli/options.js';
import { EnvError, loadEnv } from '../env/env.js';
import { NotFoundError } from '../campaigns/service.js';
import { DatasetFileError, loadTrainingData, readCheckpointFile, TrainingInputError } from '../train/training.js';
import { rethrowForActivity } from './activity-failure.js';
import {
  cliExitCode,
  errorCategory,
  httpStatus,
  INPUT_ERRORS,
  isInputError,
  isNonRetryable,
  NON_RETRYABLE_ERROR_TYPES,
} from './input-errors.js';

/** What the code under test throws when called with bad input. */
function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected it to throw');
}

const space = () => makeSpace({ network: 'mobilenet_v2', space: 'stages' });

/** Every library's input error, thrown by the library itself, with the field it must name. */
const libraryErrors: Array<[string, () => unknown, string, string]> = [
  ['systolic-sim InputError', () => parseScaleSimTopologyCsv('Layer name, IFMAP Height\nconv1, 3\n'), 'InputError', ''],
  ['systolic-sim InvalidArrayError', () => parseArraySize('64by64'), 'InvalidArrayError', 'array'],
  [
    'fuseconv InvalidSpecError',
    () => buildNetwork({ network: 'mobilenet_v2', variant: 'baseline', width: -1 }),
    'InvalidSpecError',
    'width',
  ],
  [
    'nas NasInputError',
    () => createStrategy({ strategy: 'annealing' as never, space: space(), objectives: ['latency'], budget: 3 }),
    'NasInputError',
    'strategy',
  ],
  ['nos DatasetError', () => parseIdx(new Uint8Array([0, 0]), 'train-images.gz'), 'DatasetError', 'train-images.gz'],
  ['nos CheckpointError', () => assertCheckpoint({ format: 'something else' }), 'CheckpointError', 'checkpoint'],
];

describe('library input errors: { field, problem }, message built from them', () => {
  it.each(libraryErrors)('%s → exit 2, API 400, not retried', (_what, run, name, field) => {
    const error = thrown(run) as Error & { field: string; problem: string };
    expect(error.name).toBe(name);
    if (field) expect(error.field).toBe(field);
    expect(typeof error.problem).toBe('string');
    expect(error.problem.length).toBeGreaterThan(0);
    expect(error.message).toBe(`${error.field}: ${error.problem}`);
    expect(errorCategory(error)).toBe('input');
    expect(isInputError(error)).toBe(true);
    expect(cliExitCode(error)).toBe(2);
    expect(httpStatus(error)).toBe(400);
    expect(isNonRetryable(error)).toBe(true);
  });

  it('subclasses keep the base class of their library', () => {
    expect(thrown(() => parseArraySize('0x0'))).toBeInstanceOf(InputError);
    expect(thrown(() => parseArraySize('0x0'))).toBeInstanceOf(InvalidArrayError);
    expect(thrown(() => parseIdx(new Uint8Array([1]), 'f'))).toBeInstanceOf(NosInputError);
    expect((thrown(() => parseIdx(new Uint8Array([1]), 'f')) as DatasetError).file).toBe('f');
  });

  it('every library input error name is in the one list the workflows use for retries', () => {
    for (const [, run] of libraryErrors) expect(NON_RETRYABLE_ERROR_TYPES).toContain(thrown(run).name);
    for (const name of INPUT_ERRORS) expect(NON_RETRYABLE_ERROR_TYPES).toContain(name);
  });
});

describe("the orchestrator's own errors", () => {
  it.each([
    ['UsageError (a flag)', () => parsePositiveInt('--budget', '0'), '--budget', 400],
    [
      'SpecError (a campaign spec)',
      () => normaliseSpec({ name: 'x', simulations: { networks: ['resnet'], variants: 'all', arrays: [8] } }),
      'simulations.networks[0]',
      400,
    ],
  ] as const)('%s names the field: exit 2, API %d', (_what, run, field, status) => {
    const error = thrown(run) as UsageError | SpecError;
    expect(error.field).toBe(field);
    expect(error.message).toBe(`${field}: ${error.problem}`);
    expect(cliExitCode(error)).toBe(2);
    expect(httpStatus(error)).toBe(status);
    expect(isNonRetryable(error)).toBe(true);
  });

  it('data set and training input errors (train/training.ts) name the file: exit 2, API 400', async () => {
    const missingData = (await loadTrainingData({ dataset: 'fashion-mnist', dataDir: '/nonexistent-dir', seed: 0 }).then(
      () => undefined,
      (error: unknown) => error,
    )) as DatasetFileError;
    const missingTeacher = thrown(() => readCheckpointFile('/nonexistent/t.ckpt')) as TrainingInputError;
    expect(missingData).toBeInstanceOf(DatasetFileError);
    expect(missingData.field).toBe('/nonexistent-dir/train-images-idx3-ubyte.gz');
    expect(missingTeacher).toBeInstanceOf(TrainingInputError);
    expect(missingTeacher.field).toBe('/nonexistent/t.ckpt');
    for (const error of [missingData, missingTeacher]) {
      expect(error.message).toBe(`${error.field}: ${error.problem}`);
      expect(cliExitCode(error)).toBe(2);
      expect(httpStatus(error)).toBe(400);
      expect(isNonRetryable(error)).toBe(true);
    }
  });

  it('an unknown campaign: exit 2, API 404, not an input error', () => {
    const error = new NotFoundError('no campaign abc');
    expect(cliExitCode(error)).toBe(2);
    expect(httpStatus(error)).toBe(404);
    expect(isInputError(error)).toBe(false);
  });

  it('the environment: exit 2 in the CLI, but a server fault (500) for an API client', () => {
    const error = thrown(() => loadEnv({ TEMPORAL_ADDRESS: 'temporal:7233' }));
    expect(error).toBeInstanceOf(EnvError);
    expect((error as EnvError).field).toBe('DATABASE_URL');
    expect(cliExitCode(error)).toBe(2);
    expect(httpStatus(error)).toBe(500);
    expect(isNonRetryable(error)).toBe(false);
  });
});

describe('anything else is not an input error', () => {
  it.each([
    ['an Error', new Error('boom')],
    ['a TypeError', new TypeError('x is not a function')],
    ['a string', 'failed'],
    ['undefined', undefined],
  ])('%s → exit 1, API 500, retried', (_what, error) => {
    expect(errorCategory(error)).toBeUndefined();
    expect(isInputError(error)).toBe(false);
    expect(cliExitCode(error)).toBe(1);
    expect(httpStatus(error)).toBe(500);
    expect(isNonRetryable(error)).toBe(false);
  });

  it('a RangeError from pure library code is not retried, but is not the user input either', () => {
    const error = new RangeError('synflow overflowed float32');
    expect(isInputError(error)).toBe(false);
    expect(cliExitCode(error)).toBe(1);
    expect(isNonRetryable(error)).toBe(true);
  });
});

describe('activities', () => {
  it('an input error becomes a non-retryable ApplicationFailure of its own type and message', () => {
    const error = thrown(() => parseArraySize('64by64'));
    const failure = thrown(() => rethrowForActivity(error));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).nonRetryable).toBe(true);
    expect((failure as ApplicationFailure).type).toBe('InvalidArrayError');
    expect(failure.message).toBe(error.message);
  });

  it('anything else is rethrown as it is, for Temporal to retry', () => {
    const error = new Error('connection reset');
    expect(thrown(() => rethrowForActivity(error))).toBe(error);
  });
});
