/**
 * Image-folder data sets for training (`--dataset folder --data PATH`): PATH is a directory or a
 * `.tar` / `.tar.gz` archive with `train/<class>/*` and `test/<class>/*` (JPEG, PNG). Decoded once
 * (libs/nos) into a binary cache file keyed by the source's content hash and the image size, so a
 * second run reads the pixels back in seconds.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { decodeImageFolder, Rng, shuffledIndices, type FolderImage, type ImageDataset } from '@fuselab/nos';
import { fileSha256 } from '../campaigns/file-digests.js';
import { FOLDER_SPLITS, FolderSourceError, readFolderSource, type FolderSplit } from './folder-source.js';

/** Bumped whenever the decoding or the cache layout changes, so old cache files are not read. */
const CACHE_FORMAT = 'fuselab-image-folder-v2';

/**
 * Images are stored in one fixed pseudo-random order (this seed, whatever the run's), not class by
 * class: `--limit N` then takes a class-mixed subset, as the first N of CIFAR's binary batches are.
 */
const ORDER_SEED = 0;

export interface FolderDataOptions {
  /** Directory or `.tar` / `.tar.gz` / `.tgz` archive. */
  path: string;
  /** An archive's sha256 when the caller has just computed it: the cache is found by it, without reading the archive again. */
  sha256?: string;
  /** Resize every image to this side (bilinear); without it all images must share one square size. */
  imageSize?: number;
  /** Where decoded data sets are cached (e.g. `.fuselab/cache`). */
  cacheDir: string;
  /** Decoding progress (only called when the cache misses). */
  onProgress?: (done: number, total: number) => void;
}

export interface FolderData {
  train: ImageDataset;
  test: ImageDataset;
  classes: string[];
  /** The cache file, and whether this call found it (`false`: decoded now and written). */
  cache: { file: string; hit: boolean };
}

export function folderKind(path: string, isDirectory: boolean): 'directory' | 'tar' | 'tar.gz' {
  if (isDirectory) return 'directory';
  if (/\.(tar\.gz|tgz)$/i.test(path)) return 'tar.gz';
  if (/\.tar$/i.test(path)) return 'tar';
  throw new FolderSourceError(path, `expected a directory or a .tar / .tar.gz / .tgz archive`);
}

/**
 * The source's identity: an archive's sha256; for a directory the sha256 of its files' paths, sizes
 * and modification times (reading every file only to find the cache would cost what decoding does).
 */
async function sourceHash(path: string, kind: 'directory' | 'tar' | 'tar.gz', known?: string): Promise<string> {
  // An archive's is the digest a campaign's jobs carry in their keys (campaigns/file-digests.ts),
  // which the worker has just checked: it hands it on rather than reading the archive twice.
  if (kind !== 'directory') return known ?? fileSha256(path);
  const hash = createHash('sha256');
  const files = (await readdir(path, { recursive: true, withFileTypes: true })).filter((d) => d.isFile() || d.isSymbolicLink());
  const rows = await Promise.all(
    files.map(async (d) => {
      const full = join(d.parentPath, d.name);
      const s = await stat(full).catch(() => undefined);
      return `${relative(path, full).split(sep).join('/')}\t${s?.size ?? -1}\t${s?.mtimeMs ?? -1}`;
    }),
  );
  hash.update(`directory\n${rows.sort().join('\n')}`);
  return hash.digest('hex');
}

interface CacheHeader {
  format: string;
  source: string;
  classes: string[];
  splits: Record<FolderSplit, { count: number; side: number }>;
}

function encodeCache(header: CacheHeader, sets: Record<FolderSplit, ImageDataset>): Buffer[] {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  return [
    length,
    json,
    ...FOLDER_SPLITS.flatMap((s) => [
      Buffer.from(sets[s].images.buffer, sets[s].images.byteOffset, sets[s].images.byteLength),
      Buffer.from(sets[s].labels),
    ]),
  ];
}

function decodeCache(bytes: Buffer, name: string): { classes: string[]; sets: Record<FolderSplit, ImageDataset> } | undefined {
  if (bytes.length < 4) return undefined;
  const length = bytes.readUInt32LE(0);
  let header: CacheHeader;
  try {
    header = JSON.parse(bytes.subarray(4, 4 + length).toString('utf8')) as CacheHeader;
  } catch {
    return undefined;
  }
  if (header.format !== CACHE_FORMAT) return undefined;
  let offset = 4 + length;
  const sets = {} as Record<FolderSplit, ImageDataset>;
  for (const split of FOLDER_SPLITS) {
    const { count, side } = header.splits[split];
    const size = count * side * side * 3;
    if (offset + size + count > bytes.length) return undefined;
    const images = new Uint8Array(bytes.buffer, bytes.byteOffset + offset, size);
    const labels = new Uint8Array(bytes.buffer, bytes.byteOffset + offset + size, count);
    offset += size + count;
    sets[split] = {
      name: `${name}/${split}`,
      count,
      height: side,
      width: side,
      channels: 3,
      numClasses: header.classes.length,
      images,
      labels,
    };
  }
  return offset === bytes.length ? { classes: header.classes, sets } : undefined;
}

/** A short name for messages and results: the file or folder name without its archive suffix. */
function datasetName(path: string): string {
  const base =
    path
      .replace(/[\\/]+$/, '')
      .split(/[\\/]/)
      .pop() ?? 'folder';
  return base.replace(/\.(tar\.gz|tgz|tar)$/i, '');
}

/** Loads (from the cache, else by decoding and then caching) an image-folder data set. */
export async function loadFolderData(options: FolderDataOptions): Promise<FolderData> {
  const info = await stat(options.path).catch((error: NodeJS.ErrnoException) => {
    throw new FolderSourceError(
      options.path,
      `${error.code === 'ENOENT' ? 'no such file or directory' : `cannot read it (${error.code ?? error.message})`}`,
    );
  });
  const kind = folderKind(options.path, info.isDirectory());
  const name = datasetName(options.path);
  const hash = await sourceHash(options.path, kind, options.sha256);
  const file = join(options.cacheDir, `image-folder-${hash.slice(0, 32)}-${options.imageSize ?? 'native'}.bin`);
  const cached = await readFile(file).catch(() => undefined);
  const hit = cached ? decodeCache(cached, name) : undefined;
  if (hit) return { train: hit.sets.train, test: hit.sets.test, classes: hit.classes, cache: { file, hit: true } };

  const listing = await readFolderSource(options.path, kind);
  const classes = [...listing.classDirs.train].sort();
  for (const c of listing.classDirs.test) {
    if (!listing.classDirs.train.has(c))
      throw new FolderSourceError(options.path, `test/${c} has no train/${c}: the two splits need the same class folders`);
  }
  for (const c of classes) {
    if (!listing.classDirs.test.has(c))
      throw new FolderSourceError(options.path, `train/${c} has no test/${c}: the two splits need the same class folders`);
  }
  const total = listing.files.train.length + listing.files.test.length;
  const sets = {} as Record<FolderSplit, ImageDataset>;
  let before = 0;
  for (const split of FOLDER_SPLITS) {
    const files = listing.files[split];
    const order = shuffledIndices(files.length, Rng.fromSeed(ORDER_SEED));
    const shuffled = Array.from(order, (i): FolderImage => files[i]!);
    sets[split] = decodeImageFolder(shuffled, {
      name: `${name}/${split}`,
      classes,
      ...(options.imageSize !== undefined ? { imageSize: options.imageSize } : {}),
      onImage: (done) => options.onProgress?.(before + done, total),
    });
    before += listing.files[split].length;
  }
  if (sets.train.height !== sets.test.height) {
    throw new FolderSourceError(
      options.path,
      `train images are ${sets.train.height}×${sets.train.width} but test images ${sets.test.height}×${sets.test.width}: give an image size to resize every image to`,
    );
  }
  // Written under a temporary name and renamed, so a cache file is whole or absent.
  await mkdir(options.cacheDir, { recursive: true });
  const header: CacheHeader = {
    format: CACHE_FORMAT,
    source: options.path,
    classes,
    splits: { train: { count: sets.train.count, side: sets.train.height }, test: { count: sets.test.count, side: sets.test.height } },
  };
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    const handle = await open(temporary, 'w');
    try {
      for (const part of encodeCache(header, sets)) await handle.write(part);
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return { train: sets.train, test: sets.test, classes, cache: { file, hit: false } };
}

export { FolderSourceError };
