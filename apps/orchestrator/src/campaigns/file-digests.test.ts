/**
 * File digests in job keys: a spec's archive and teacher checkpoint enter its jobs' keys by content,
 * a resubmitted spec must find the same files, and a worker refuses a file that changed. The
 * expected digests are FIPS 180-2's published sha256 test vectors, not values computed here.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliExitCode, httpStatus, isNonRetryable } from '../errors/input-errors.js';
import { expandSpec, type TrainJobParams } from './expand.js';
import { checkJobFiles, digestSpecFiles, FileChangedError } from './file-digests.js';
import { normaliseSpec } from './spec.js';
import { SpecError } from './validation.js';
import { jobKey } from './versions.js';

/** sha256("abc") and sha256("") (FIPS 180-2, appendix B.1; NIST's empty-message vector). */
const SHA256_ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const SHA256_EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fuselab-digests-'));
  writeFileSync(join(dir, 'pets.tar'), 'abc');
  writeFileSync(join(dir, 'teacher.ckpt.json.gz'), '');
  mkdirSync(join(dir, 'pets'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const training = (fields: Record<string, unknown>) => ({
  network: 'mobilenet_v2',
  variants: ['fuse_half'],
  epochs: 1,
  width: 0.25,
  ...fields,
});

const specWith = (extra: Record<string, unknown> = {}) =>
  normaliseSpec({
    name: 'digests',
    trainings: [
      training({ name: 'archive', dataset: 'folder', data: join(dir, 'pets.tar'), ...extra }),
      training({ name: 'student', dataset: 'synthetic', method: 'kd', teacher: join(dir, 'teacher.ckpt.json.gz') }),
      training({ name: 'directory', dataset: 'folder', data: join(dir, 'pets') }),
    ],
    searches: [
      {
        network: 'mobilenet_v2',
        space: 'stages',
        operators: ['dw', 'fuse_half'],
        strategy: 'random',
        objectives: ['accuracy'],
        budget: 2,
        training: { dataset: 'folder', data: join(dir, 'pets.tar'), epochs: 1 },
      },
    ],
  });

/** The key of each training job by its entry's name (scratch jobs expand before students). */
const keys = (spec: ReturnType<typeof specWith>) =>
  Object.fromEntries(
    expandSpec(spec)
      .filter((job) => job.kind === 'train')
      .map((job) => [job.group, jobKey('train', job.params)]),
  );

describe('file digests at submission', () => {
  it('write the sha256 of an archive and of a teacher checkpoint into the trainings, not of a directory', async () => {
    const spec = await digestSpecFiles(specWith());
    expect(spec.trainings[0]!.sha256).toEqual({ data: SHA256_ABC });
    expect(spec.trainings[1]!.sha256).toEqual({ teacher: SHA256_EMPTY });
    expect(spec.trainings[2]!.sha256).toBeUndefined();
    expect(spec.searches[0]!.training!.sha256).toEqual({ data: SHA256_ABC });
    const params = Object.fromEntries(expandSpec(spec).map((job) => [job.group, job.params as TrainJobParams]));
    expect(params.archive!.sha256).toEqual({ data: SHA256_ABC });
    expect(params.student!.sha256).toEqual({ teacher: SHA256_EMPTY });
    expect(params.directory!.sha256).toBeUndefined();
  });

  it('read each file once, however many entries name it', async () => {
    const read: string[] = [];
    await digestSpecFiles(specWith(), async (path) => {
      read.push(path);
      return SHA256_ABC;
    });
    expect(read.sort()).toEqual([join(dir, 'pets.tar'), join(dir, 'teacher.ckpt.json.gz')]);
  });

  it('so a file replaced at the same path gives its jobs new keys', async () => {
    const before = keys(await digestSpecFiles(specWith()));
    writeFileSync(join(dir, 'pets.tar'), 'abd');
    const after = keys(await digestSpecFiles(specWith()));
    expect(after.archive).not.toBe(before.archive);
    expect(after.student).toBe(before.student); // it names only the teacher file, unchanged
    expect(after.directory).toBe(before.directory);
    writeFileSync(join(dir, 'teacher.ckpt.json.gz'), 'x');
    expect(keys(await digestSpecFiles(specWith())).student).not.toBe(before.student);
  });

  it('a stored spec submitted again must find the same files: the field names the file that changed', async () => {
    const stored = await digestSpecFiles(specWith());
    // The normalised form (as the store keeps it) normalises to itself and digests to itself.
    const again = normaliseSpec(JSON.parse(JSON.stringify(stored)));
    expect(await digestSpecFiles(again)).toEqual(stored);
    writeFileSync(join(dir, 'pets.tar'), 'abd');
    const error = await digestSpecFiles(again).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecError);
    expect((error as SpecError).field).toBe('trainings[0].sha256.data');
    expect((error as SpecError).problem).toMatch(
      /pets\.tar is not the file this spec was run with: its sha256 is [0-9a-f]{16}…, the spec says ba7816bf8f01cfea…$/,
    );
  });

  it('refuse a digest of something that is not digested, and a malformed digest, naming the field', async () => {
    const onDirectory = normaliseSpec({
      name: 'x',
      trainings: [training({ dataset: 'folder', data: join(dir, 'pets'), sha256: { data: SHA256_ABC } })],
    });
    await expect(digestSpecFiles(onDirectory)).rejects.toThrow(/^trainings\[0\]\.sha256\.data: only an archive is digested/);
    const noTeacherFile = normaliseSpec({
      name: 'x',
      trainings: [training({ dataset: 'synthetic', sha256: { teacher: SHA256_ABC } })],
    });
    await expect(digestSpecFiles(noTeacherFile)).rejects.toThrow(/^trainings\[0\]\.sha256\.teacher: only a checkpoint file is digested/);
    expect(() => specWith({ sha256: { data: 'ABC' } })).toThrow(
      /^trainings\[0\]\.sha256\.data: expected a sha256 digest \(64 lowercase hex digits\)$/,
    );
    expect(() => specWith({ sha256: { archive: SHA256_ABC } })).toThrow(/^trainings\[0\]\.sha256/);
  });

  it('a file that cannot be read is refused at submission, naming the field', async () => {
    const unreadable = async () => {
      throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    };
    await expect(digestSpecFiles(specWith(), unreadable)).rejects.toThrow(/^trainings\[0\]\.data: .*pets\.tar: cannot be read \(EACCES\)$/);
  });

  it('a teacher checkpoint that is missing is refused at submission, naming the teacher', async () => {
    rmSync(join(dir, 'teacher.ckpt.json.gz'));
    await expect(digestSpecFiles(specWith())).rejects.toThrow(
      /^trainings\[1\]\.teacher: .*teacher\.ckpt\.json\.gz: no such checkpoint file$/,
    );
  });
});

describe("the worker's check", () => {
  it('passes files as submitted and refuses a changed one, naming the parameter and the worker (not retried)', async () => {
    const params = (await digestSpecFiles(specWith())).trainings[1]!;
    const job = { teacher: params.teacher as { checkpoint: string }, sha256: params.sha256! };
    await expect(checkJobFiles(job, 'worker-a')).resolves.toBeUndefined();
    writeFileSync(join(dir, 'teacher.ckpt.json.gz'), 'abc');
    const error = (await checkJobFiles(job, 'worker-a').catch((e: unknown) => e)) as FileChangedError;
    expect(error).toBeInstanceOf(FileChangedError);
    expect(error.field).toBe('teacher');
    expect(error.problem).toContain(`on worker worker-a has sha256 ${SHA256_ABC.slice(0, 16)}…, not the ${SHA256_EMPTY.slice(0, 16)}…`);
    expect(isNonRetryable(error)).toBe(true);
    expect(cliExitCode(error)).toBe(2);
    expect(httpStatus(error)).toBe(400);
    // Missing on this worker: named, and not retried either.
    rmSync(join(dir, 'teacher.ckpt.json.gz'));
    const missing = (await checkJobFiles(job, 'worker-a').catch((e: unknown) => e)) as Error & { field: string };
    expect(missing.message).toMatch(/^teacher: .*teacher\.ckpt\.json\.gz cannot be read on worker worker-a \(ENOENT\)$/);
    expect(isNonRetryable(missing)).toBe(true);
  });

  it('does not digest files of jobs submitted before digests (no sha256 in their parameters)', async () => {
    let digested = 0;
    const count = async () => {
      digested++;
      return SHA256_ABC;
    };
    await checkJobFiles({ data: join(dir, 'pets.tar') }, 'w', count);
    expect(digested).toBe(0);
  });
});
