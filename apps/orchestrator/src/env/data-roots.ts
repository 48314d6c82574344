/**
 * Data roots: the directories whose files a campaign spec may name. A spec submitted over the API
 * names paths (teacher checkpoints, data directories) that workers then open, so a spec could
 * otherwise make a worker read any file it can read. Every such path must resolve, symlinks
 * followed, to a file or directory inside one of the roots:
 *
 * - `FUSELAB_DATA_ROOTS`: a `:`-separated list of absolute directories, when set;
 * - else the working directory, the fuselab home (`.fuselab/`) and `/usr/share/datasets`.
 *
 * A path with a `..` segment is refused even when it would resolve inside a root (it says the
 * spec's author is reaching out of where they are), and the error never shows file contents:
 * only the field, the path as given and the roots.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { FieldError } from '../errors/field-error.js';

export const DEFAULT_SYSTEM_DATA_ROOTS = ['/usr/share/datasets'];

/** A spec path outside the data roots, or one that does not exist. */
export class DataPathError extends FieldError {
  override name = 'DataPathError';
}

/** The configured roots: FUSELAB_DATA_ROOTS, else the working directory, fuselab's home and the system's data sets. */
export function dataRootsFrom(value: string | undefined, defaults: { cwd: string; home: string }): string[] {
  if (value === undefined || value.trim() === '') return [defaults.cwd, defaults.home, ...DEFAULT_SYSTEM_DATA_ROOTS];
  const roots = value.split(':').filter((root) => root !== '');
  const relativeRoot = roots.find((root) => !isAbsolute(root));
  if (relativeRoot !== undefined)
    throw new DataPathError(
      'FUSELAB_DATA_ROOTS',
      `"${relativeRoot}" is not an absolute path (expected a :-separated list of absolute directories)`,
    );
  return roots;
}

const realOrSelf = (path: string) => {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
};

const inside = (path: string, root: string) => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
};

/**
 * The real path of `path` (relative paths resolve against `cwd`) if it exists inside a root;
 * otherwise a DataPathError naming `field`.
 */
export function confinePath(path: string, roots: readonly string[], field: string, cwd = process.cwd()): string {
  if (path.includes('\0')) throw new DataPathError(field, 'a path may not contain NUL characters');
  if (path.split(/[\\/]/).includes('..'))
    throw new DataPathError(
      field,
      `"${path}" contains a ".." segment; name the file by a path inside the data roots (${roots.join(', ')})`,
    );
  const absolute = resolve(cwd, path);
  let real: string;
  try {
    real = realpathSync(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataPathError(field, `"${path}" ${code === 'ENOENT' ? 'does not exist' : `cannot be resolved (${code ?? 'error'})`}`);
  }
  if (!roots.some((root) => inside(real, realOrSelf(root)))) {
    const how = real === absolute ? 'is' : `resolves (through a symbolic link) to "${real}", which is`;
    throw new DataPathError(
      field,
      `"${path}" ${how} outside the data roots (${roots.join(', ')}); set FUSELAB_DATA_ROOTS to allow another directory`,
    );
  }
  return real;
}
