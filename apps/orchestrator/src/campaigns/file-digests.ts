/**
 * The content of the files a spec names, as part of its jobs' keys.
 *
 * A job's key hashes its parameters, and a file enters them by its path. Without the file's digest,
 * replacing an image-folder archive or a teacher checkpoint at the same path and running the spec
 * again would reuse results computed from the old file. So at submission the campaign service
 * digests every file a training names (`data` when it is an archive, `teacher` when it is a
 * checkpoint file) into the training's `sha256`, which every job of it carries in its parameters;
 * and each worker digests the file again before it trains, refusing a job whose file is no longer
 * the one that was submitted (another copy on that worker, or a file replaced in between).
 *
 * Directories (`dataDir`, an unpacked image folder) stay keyed by their path: digesting one would
 * read every image at every submission, and the copies on different workers differ in their
 * modification times. Put data that changes in an archive, or at a new path.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { DataPathError } from '../env/data-roots.js';
import { FieldError } from '../errors/field-error.js';
import type { FileDigests, NormalisedSpec, NormalisedTraining } from './expand.js';
import { SpecError } from './validation.js';

/** A job's file differs from the one its campaign was submitted with (input-errors.ts: not retried). */
export class FileChangedError extends FieldError {
  override name = 'FileChangedError';
}

/** The sha256 of a file's bytes, read in chunks (archives may be larger than memory allows). */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** What a training (or a search's training) names that is digested, by the key of `sha256` it goes in. */
interface NamedFiles {
  data?: string;
  teacher?: string;
}

type FileSettings = Pick<NormalisedTraining, 'data' | 'teacher' | 'sha256'>;

/** The files of `settings` to digest: an archive `data` (not a directory) and a checkpoint teacher. */
async function namedFiles(settings: FileSettings, field: string): Promise<NamedFiles> {
  const files: NamedFiles = {};
  if (settings.data !== undefined) {
    const info = await stat(settings.data).catch(() => undefined);
    if (!info) throw new SpecError(`${field}.data`, `${settings.data}: no such file or directory`);
    if (info.isFile()) files.data = settings.data;
  }
  if (settings.teacher && 'checkpoint' in settings.teacher) {
    const info = await stat(settings.teacher.checkpoint).catch(() => undefined);
    if (!info?.isFile()) throw new SpecError(`${field}.teacher`, `${settings.teacher.checkpoint}: no such checkpoint file`);
    files.teacher = settings.teacher.checkpoint;
  }
  return files;
}

/**
 * `settings` with `sha256` holding the digest of each file it names. A `sha256` the settings already
 * give (a stored campaign's spec submitted again) must name only those files and match each as it
 * is now: a SpecError naming `field.sha256.<name>` otherwise, so an old spec never runs on new data
 * by accident.
 */
async function digestSettings<T extends FileSettings>(settings: T, field: string, digest: (path: string) => Promise<string>): Promise<T> {
  const files = await namedFiles(settings, field);
  const given: FileDigests = settings.sha256 ?? {};
  for (const name of Object.keys(given) as Array<keyof FileDigests>) {
    if (files[name] === undefined)
      throw new SpecError(
        `${field}.sha256.${name}`,
        name === 'data'
          ? 'only an archive is digested: data is a directory (or absent)'
          : 'only a checkpoint file is digested: the teacher is not one',
      );
  }
  const sha256: FileDigests = {};
  for (const name of ['data', 'teacher'] as const) {
    const path = files[name];
    if (path === undefined) continue;
    const now = await digest(path).catch((error: unknown) => {
      throw new SpecError(
        `${field}.${name}`,
        `${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    });
    const before = given[name];
    if (before !== undefined && before !== now)
      throw new SpecError(
        `${field}.sha256.${name}`,
        `${path} is not the file this spec was run with: its sha256 is ${now.slice(0, 16)}…, the spec says ${before.slice(0, 16)}…`,
      );
    sha256[name] = now;
  }
  const { sha256: _given, ...rest } = settings;
  return (Object.keys(sha256).length > 0 ? { ...rest, sha256 } : rest) as T;
}

/** The spec with every training's (and search training's) files digested into its `sha256` (see above). */
export async function digestSpecFiles(
  spec: NormalisedSpec,
  digest: (path: string) => Promise<string> = fileSha256,
): Promise<NormalisedSpec> {
  // Entries often share one archive: each file is read once per submission.
  const digests = new Map<string, Promise<string>>();
  const once = (path: string) => {
    if (!digests.has(path)) digests.set(path, digest(path));
    return digests.get(path)!;
  };
  const trainings = [];
  for (const [i, training] of spec.trainings.entries()) trainings.push(await digestSettings(training, `trainings[${i}]`, once));
  const searches = [];
  for (const [i, search] of spec.searches.entries())
    searches.push(
      search.training ? { ...search, training: await digestSettings(search.training, `searches[${i}].training`, once) } : search,
    );
  return { ...spec, trainings, searches };
}

/**
 * The worker's check before it trains a job: each file its parameters digest must still have that
 * digest here. A FileChangedError naming the parameter otherwise.
 */
export async function checkJobFiles(
  params: { data?: string; teacher?: { checkpoint: string } | object; sha256?: FileDigests },
  worker: string,
  digest: (path: string) => Promise<string> = fileSha256,
): Promise<void> {
  const files: NamedFiles = {
    ...(params.data !== undefined ? { data: params.data } : {}),
    ...(params.teacher && 'checkpoint' in params.teacher ? { teacher: params.teacher.checkpoint } : {}),
  };
  for (const name of ['data', 'teacher'] as const) {
    const expected = params.sha256?.[name];
    const path = files[name];
    if (expected === undefined || path === undefined) continue;
    const now = await digest(path).catch((error: unknown) => {
      throw new DataPathError(
        name,
        `${path} cannot be read on worker ${worker} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    });
    if (now !== expected)
      throw new FileChangedError(
        name,
        `${path} on worker ${worker} has sha256 ${now.slice(0, 16)}…, not the ${expected.slice(0, 16)}… it had when the campaign was submitted; ` +
          'give every worker the same file, or put a new file at a new path and submit again',
      );
  }
}
