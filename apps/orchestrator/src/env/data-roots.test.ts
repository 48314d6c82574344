import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { confinePath, dataRootsFrom, DataPathError } from './data-roots.js';

const base = mkdtempSync(join(tmpdir(), 'fuselab-roots-'));
const root = join(base, 'data');
const outside = join(base, 'private');
mkdirSync(join(root, 'sets'), { recursive: true });
mkdirSync(outside);
writeFileSync(join(root, 'sets', 'teacher.ckpt'), 'checkpoint');
writeFileSync(join(outside, 'secret.txt'), 'TOP-SECRET-CONTENT');
symlinkSync(join(outside, 'secret.txt'), join(root, 'sets', 'link-out.ckpt'));
symlinkSync(join(root, 'sets', 'teacher.ckpt'), join(root, 'link-in.ckpt'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DataPathError);
    return error as DataPathError;
  }
  throw new Error('expected a DataPathError');
};

describe('data roots confine the files a spec names', () => {
  it('accepts files and directories inside a root, by absolute or relative path, and returns the real path', () => {
    expect(confinePath(join(root, 'sets', 'teacher.ckpt'), [root], 'teacher')).toBe(join(root, 'sets', 'teacher.ckpt'));
    expect(confinePath('sets', [root], 'dataDir', root)).toBe(join(root, 'sets'));
    expect(confinePath(join(root, 'link-in.ckpt'), [root], 'teacher')).toBe(join(root, 'sets', 'teacher.ckpt'));
  });

  it('refuses a path outside every root, naming the field and the roots', () => {
    const error = refusal(() => confinePath(join(outside, 'secret.txt'), [root], 'trainings[0].teacher'));
    expect(error.field).toBe('trainings[0].teacher');
    expect(error.message).toMatch(/^trainings\[0\]\.teacher: ".*secret\.txt" is outside the data roots \(.*data\); set FUSELAB_DATA_ROOTS/);
    expect(refusal(() => confinePath('/etc/passwd', [root], 'teacher')).message).not.toMatch(/root:/);
  });

  it('refuses ".." segments even when they would land inside a root', () => {
    expect(refusal(() => confinePath(`${root}/sets/../sets/teacher.ckpt`, [root], 'teacher')).problem).toMatch(/contains a "\.\." segment/);
    expect(refusal(() => confinePath('../private/secret.txt', [root], 'dataDir', root)).problem).toMatch(/"\.\." segment/);
  });

  it('refuses a symbolic link inside a root that points out of it, without showing the target’s contents', () => {
    const error = refusal(() => confinePath(join(root, 'sets', 'link-out.ckpt'), [root], 'teacher'));
    expect(error.problem).toMatch(/resolves \(through a symbolic link\) to ".*private\/secret\.txt", which is outside the data roots/);
    expect(error.message).not.toContain('TOP-SECRET');
  });

  it('refuses paths that do not exist or hold NUL characters', () => {
    expect(refusal(() => confinePath(join(root, 'missing.ckpt'), [root], 'teacher')).problem).toMatch(/does not exist$/);
    expect(refusal(() => confinePath('a\0b', [root], 'teacher')).problem).toMatch(/NUL/);
  });

  it('FUSELAB_DATA_ROOTS is a list of absolute directories; unset means cwd, home and /usr/share/datasets', () => {
    expect(dataRootsFrom(undefined, { cwd: '/w', home: '/w/.fuselab' })).toEqual(['/w', '/w/.fuselab', '/usr/share/datasets']);
    expect(dataRootsFrom('/a:/b/c', { cwd: '/w', home: '/h' })).toEqual(['/a', '/b/c']);
    expect(refusal(() => dataRootsFrom('/a:relative/dir', { cwd: '/w', home: '/h' })).message).toBe(
      'FUSELAB_DATA_ROOTS: "relative/dir" is not an absolute path (expected a :-separated list of absolute directories)',
    );
  });
});
