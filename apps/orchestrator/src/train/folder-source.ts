/**
 * Reading an image-folder data set (`train/<class>/*`, `test/<class>/*`) from a directory or a
 * `.tar` / `.tar.gz` archive: the file I/O libs/nos leaves to us. Paths that would leave the folder
 * (`../x`, absolute names, links pointing out) are refused, naming the entry.
 */
import { createReadStream, type Dirent } from 'node:fs';
import { lstat, readdir, readFile, realpath } from 'node:fs/promises';
import { posix, join, relative, isAbsolute, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { FolderImage } from '@fuselab/nos';
import { extract, type Header } from 'tar-stream';
import { FieldError } from '../errors/field-error.js';

/** A data set path that cannot be used: one line naming the file or entry. */
/** A data set folder or archive that cannot be used: `field` is the file or folder, `problem` what is wrong. */
export class FolderSourceError extends FieldError {
  override name = 'FolderSourceError';
}

export const FOLDER_SPLITS = ['train', 'test'] as const;
export type FolderSplit = (typeof FOLDER_SPLITS)[number];

/** Every file of the two splits with its class, plus the class folders seen (even empty ones). */
export interface FolderListing {
  files: Record<FolderSplit, FolderImage[]>;
  classDirs: Record<FolderSplit, Set<string>>;
}

interface Entry {
  /** Path inside the folder, `/`-separated, e.g. `train/cat/1.jpg`. */
  path: string;
  bytes?: Uint8Array;
  directory: boolean;
}

/** `name` as a path inside the folder, or an error when it would escape it. */
function inside(where: string, name: string): string {
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.startsWith('\\'))
    throw new FolderSourceError(where, `absolute path: entries must stay inside the data set's folder`);
  const normal = posix.normalize(name.replace(/\\/g, '/'));
  if (normal === '..' || normal.startsWith('../')) throw new FolderSourceError(where, `path escapes the data set's folder`);
  return normal.replace(/^\.\/?/, '').replace(/\/$/, '');
}

async function readArchive(path: string, gzip: boolean): Promise<Entry[]> {
  const entries: Entry[] = [];
  const tar = extract();
  // The first bad entry; the rest of the archive is drained (not read) and the error thrown after.
  let failure: FolderSourceError | undefined;
  tar.on('entry', (header: Header, stream, next) => {
    const skip = () => {
      stream.on('end', next);
      stream.resume();
    };
    if (failure) return skip();
    const where = `${path}:${header.name}`;
    let name: string;
    try {
      name = inside(where, header.name);
      if (header.type === 'symlink' || header.type === 'link') {
        const target = header.linkname?.startsWith('/') ? header.linkname : posix.join(posix.dirname(name), header.linkname ?? '');
        inside(`${where} (a link to ${header.linkname})`, target);
        throw new FolderSourceError(where, `links are not supported in data set archives; store the file itself`);
      }
    } catch (error) {
      failure = error as FolderSourceError;
      return skip();
    }
    if (header.type !== 'file' && header.type !== 'contiguous-file' && header.type !== 'directory') return skip();
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
    stream.on('end', () => {
      entries.push({
        path: name,
        directory: header.type === 'directory',
        ...(header.type === 'directory' ? {} : { bytes: new Uint8Array(Buffer.concat(chunks)) }),
      });
      next();
    });
  });
  try {
    if (gzip) await pipeline(createReadStream(path), createGunzip(), tar);
    else await pipeline(createReadStream(path), tar);
  } catch (error) {
    throw new FolderSourceError(path, `not a readable ${gzip ? '.tar.gz' : '.tar'} archive (${(error as Error).message})`);
  }
  if (failure) throw failure;
  return entries;
}

async function readDirectory(root: string): Promise<Entry[]> {
  const realRoot = await realpath(root);
  const entries: Entry[] = [];
  const walk = async (dir: string): Promise<void> => {
    let items: Dirent[];
    try {
      items = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      throw new FolderSourceError(dir, `cannot read the directory (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    for (const item of items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = join(dir, item.name);
      const rel = relative(root, full).split(sep).join('/');
      let stat = await lstat(full);
      if (stat.isSymbolicLink()) {
        const target = await realpath(full).catch(() => {
          throw new FolderSourceError(full, `broken symbolic link`);
        });
        const fromRoot = relative(realRoot, target);
        if (fromRoot.startsWith('..') || isAbsolute(fromRoot))
          throw new FolderSourceError(full, `symbolic link points out of the data set's folder (to ${target})`);
        stat = await lstat(target);
      }
      if (stat.isDirectory()) {
        entries.push({ path: rel, directory: true });
        await walk(full);
      } else if (stat.isFile()) {
        entries.push({ path: rel, directory: false, bytes: new Uint8Array(await readFile(full)) });
      }
    }
  };
  await walk(root);
  return entries;
}

/**
 * Reads the folder or archive at `path` into per-split files with their class (the first folder
 * under `train/` or `test/`; deeper folders belong to that class, as in ImageFolder). The splits
 * may sit under one top-level folder (`cifar10/train/…`). Files outside the splits are ignored.
 */
export async function readFolderSource(path: string, kind: 'directory' | 'tar' | 'tar.gz'): Promise<FolderListing> {
  const entries = kind === 'directory' ? await readDirectory(path) : await readArchive(path, kind === 'tar.gz');
  const at = (p: string) => (kind === 'directory' ? join(path, ...p.split('/')) : `${path}:${p}`);
  const hasSplit = (prefix: string) => entries.some((e) => e.path.startsWith(`${prefix}train/`) || e.path === `${prefix}train`);
  let prefix = '';
  if (!hasSplit('')) {
    const tops = new Set(entries.map((e) => e.path.split('/')[0]));
    const only = tops.size === 1 ? [...tops][0] : undefined;
    if (only !== undefined && hasSplit(`${only}/`)) prefix = `${only}/`;
  }
  const listing: FolderListing = { files: { train: [], test: [] }, classDirs: { train: new Set(), test: new Set() } };
  const seenSplit = new Set<string>();
  for (const entry of entries) {
    if (!entry.path.startsWith(prefix)) continue;
    const parts = entry.path.slice(prefix.length).split('/');
    const split = parts[0] as FolderSplit;
    if (!(FOLDER_SPLITS as readonly string[]).includes(split)) continue;
    seenSplit.add(split);
    if (parts.length === 1) continue;
    if (entry.directory) {
      listing.classDirs[split].add(parts[1]!);
      continue;
    }
    if (parts.length === 2)
      throw new FolderSourceError(at(entry.path), `a file directly in ${split}/; images go in one folder per class (${split}/<class>/…)`);
    listing.classDirs[split].add(parts[1]!);
    listing.files[split].push({ file: at(entry.path), className: parts[1]!, bytes: entry.bytes! });
  }
  for (const split of FOLDER_SPLITS) {
    if (!seenSplit.has(split))
      throw new FolderSourceError(path, `no ${split}/ folder (expected ${prefix}train/<class>/… and ${prefix}test/<class>/…)`);
    listing.files[split].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  }
  return listing;
}
