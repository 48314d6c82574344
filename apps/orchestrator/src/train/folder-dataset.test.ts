/**
 * Image-folder data sets from real directories and .tar / .tar.gz archives the tests write: labels,
 * pixels, the cache (a second load reads the cache file), and every kind of bad input named by
 * file. One test reads the shared CIFAR-10 JPEG archive when it is there (and says so when not).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { pack } from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { FolderSourceError, loadFolderData } from './folder-dataset.js';

const root = mkdtempSync(join(tmpdir(), 'fuselab-folder-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const fresh = (name: string) => join(root, `${name}-${(counter += 1)}`);

/** A square PNG filled with one grey level (lossless: the pixels are known exactly). */
function png(side: number, level: number): Uint8Array {
  const image = new PNG({ width: side, height: side });
  image.data.fill(level);
  for (let p = 0; p < side * side; p++) image.data[4 * p + 3] = 255;
  return new Uint8Array(PNG.sync.write(image));
}

function jpg(side: number, level: number): Uint8Array {
  return new Uint8Array(jpeg.encode({ data: new Uint8Array(side * side * 4).fill(level), width: side, height: side }, 95).data);
}

type Files = Record<string, Uint8Array | string>;

/** Two classes, two splits: 3 + 2 train and 1 + 1 test images of 4×4 (levels tell images apart). */
const good = (): Files => ({
  'train/zebra/a.png': png(4, 10),
  'train/zebra/b.jpg': jpg(4, 200),
  'train/zebra/c.png': png(4, 30),
  'train/ant/x.png': png(4, 40),
  'train/ant/nested/y.png': png(4, 50),
  'test/zebra/t.png': png(4, 60),
  'test/ant/u.png': png(4, 70),
  'README.md': 'ignored: outside the splits',
});

function writeDir(files: Files): string {
  const dir = fresh('dir');
  for (const [path, bytes] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), bytes);
  }
  return dir;
}

type TarEntry = { name: string; bytes?: Uint8Array | string; type?: 'file' | 'symlink' | 'directory'; linkname?: string };

async function tarBytes(entries: TarEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((ok) => p.on('end', () => ok()));
  for (const e of entries) {
    if (e.type === 'symlink') p.entry({ name: e.name, type: 'symlink', linkname: e.linkname ?? '' });
    else if (e.type === 'directory') p.entry({ name: e.name, type: 'directory' });
    else p.entry({ name: e.name }, Buffer.from(e.bytes ?? ''));
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

async function writeTar(files: Files | TarEntry[], gzip: boolean): Promise<string> {
  const entries = Array.isArray(files) ? files : Object.entries(files).map(([name, bytes]) => ({ name, bytes }));
  const tar = await tarBytes(entries);
  const path = `${fresh('archive')}${gzip ? '.tar.gz' : '.tar'}`;
  writeFileSync(path, gzip ? gzipSync(tar) : tar);
  return path;
}

async function failure(path: string, imageSize?: number): Promise<string> {
  try {
    await loadFolderData({ path, cacheDir: fresh('cache'), ...(imageSize ? { imageSize } : {}) });
  } catch (error) {
    expect((error as Error).name).toMatch(/FolderSourceError|DatasetError/);
    return (error as Error).message;
  }
  throw new Error('expected the load to fail');
}

describe('image-folder data sets', () => {
  it.each(['directory', 'tar', 'tar.gz'] as const)('reads a %s: classes sorted by name, labels, pixels, sizes', async (kind) => {
    const path = kind === 'directory' ? writeDir(good()) : await writeTar(good(), kind === 'tar.gz');
    const data = await loadFolderData({ path, cacheDir: fresh('cache') });
    expect(data.classes).toEqual(['ant', 'zebra']);
    expect(data.train).toMatchObject({ count: 5, height: 4, width: 4, channels: 3, numClasses: 2 });
    expect(data.test).toMatchObject({ count: 2, height: 4, width: 4, channels: 3, numClasses: 2 });
    // Stored in a fixed shuffled order: each image (told apart by its grey level) keeps its label.
    const levels: Record<number, number> = { 50: 0, 40: 0, 10: 1, 30: 1, 200: 1, 70: 0, 60: 1 };
    const seen = (ds: typeof data.train) =>
      Array.from(ds.labels, (label, i) => {
        const level = Object.keys(levels)
          .map(Number)
          .find((l) => Math.abs(ds.images[i * 48]! - l) <= 3)!;
        expect(levels[level]).toBe(label);
        return level;
      }).sort((a, b) => a - b);
    expect(seen(data.train)).toEqual([10, 30, 40, 50, 200]);
    expect(seen(data.test)).toEqual([60, 70]);
    expect(data.cache.hit).toBe(false);
  });

  it('a second load reads the cache file (same pixels), keyed by content and image size', async () => {
    const path = await writeTar(good(), true);
    const cacheDir = fresh('cache');
    const first = await loadFolderData({ path, cacheDir });
    const second = await loadFolderData({ path, cacheDir });
    expect(second.cache).toEqual({ file: first.cache.file, hit: true });
    expect(Buffer.from(second.train.images).equals(Buffer.from(first.train.images))).toBe(true);
    expect(Array.from(second.test.labels)).toEqual(Array.from(first.test.labels));
    const resized = await loadFolderData({ path, cacheDir, imageSize: 2 });
    expect(resized.cache.hit).toBe(false);
    expect(resized.train).toMatchObject({ height: 2, width: 2 });
    // Other content, same name: another cache file.
    writeFileSync(
      path,
      gzipSync(await tarBytes(Object.entries({ ...good(), 'train/ant/z.png': png(4, 90) }).map(([name, bytes]) => ({ name, bytes })))),
    );
    const changed = await loadFolderData({ path, cacheDir });
    expect(changed.cache.hit).toBe(false);
    expect(changed.train.count).toBe(6);
  });

  it("an archive's digest handed in by the caller (the worker checked it) is the cache's key: the archive is not hashed again", async () => {
    const path = await writeTar(good(), true);
    const cacheDir = fresh('cache');
    const own = await loadFolderData({ path, cacheDir });
    const digest = createHash('sha256').update(readFileSync(path)).digest('hex');
    expect(own.cache.file).toContain(`image-folder-${digest.slice(0, 32)}-`);
    // Same digest handed in: the same cache file, found.
    expect((await loadFolderData({ path, cacheDir, sha256: digest })).cache).toEqual({ file: own.cache.file, hit: true });
    // Another digest handed in names another cache file: the loader went by it, not by the bytes.
    const given = 'f'.repeat(64);
    const trusted = await loadFolderData({ path, cacheDir, sha256: given });
    expect(trusted.cache).toEqual({ file: join(cacheDir, `image-folder-${given.slice(0, 32)}-native.bin`), hit: false });
  });

  it('mixed sizes are refused naming the file, or resized with imageSize', async () => {
    const path = writeDir({ ...good(), 'train/zebra/d.png': png(8, 1) });
    expect(await failure(path)).toBe(
      `${join(path, 'train/zebra/d.png')}: image of 8×8 pixels, but the first image is 4×4: give an image size to resize every image to`,
    );
    const data = await loadFolderData({ path, cacheDir: fresh('cache'), imageSize: 4 });
    expect(data.train.count).toBe(6);
  });

  it('bad input: one message naming the file or folder', async () => {
    expect(await failure(writeDir({ ...good(), 'train/ant/broken.jpg': jpg(4, 1).slice(0, 60) }))).toMatch(
      /train\/ant\/broken\.jpg: corrupt JPEG image/,
    );
    expect(await failure(writeDir({ ...good(), 'train/ant/notes.txt': 'hello' }))).toMatch(
      /train\/ant\/notes\.txt: not an image: expected a JPEG or PNG file/,
    );
    const emptyClass = writeDir(good());
    mkdirSync(join(emptyClass, 'train', 'bee'));
    mkdirSync(join(emptyClass, 'test', 'bee'));
    expect(await failure(emptyClass)).toMatch(/train\/bee: empty class: no images$/);
    const { 'test/zebra/t.png': _t, 'test/ant/u.png': _u, ...noTest } = good();
    expect(await failure(writeDir(noTest))).toMatch(/: no test\/ folder \(expected train\/<class>\/… and test\/<class>\/…\)$/);
    expect(await failure(writeDir({ ...good(), 'test/wasp/w.png': png(4, 1) }))).toMatch(/test\/wasp has no train\/wasp/);
    expect(await failure(writeDir({ ...good(), 'train/loose.png': png(4, 1) }))).toMatch(/train\/loose\.png: a file directly in train\//);
    expect(await failure(join(root, 'missing.tar.gz'))).toMatch(/missing\.tar\.gz: no such file or directory$/);
    const notArchive = `${fresh('x')}.zip`;
    writeFileSync(notArchive, 'zip');
    expect(await failure(notArchive)).toMatch(/expected a directory or a \.tar \/ \.tar\.gz \/ \.tgz archive$/);
    const corruptArchive = `${fresh('x')}.tar.gz`;
    writeFileSync(corruptArchive, gzipSync(Buffer.from('not a tar archive at all')).subarray(0, 20));
    expect(await failure(corruptArchive)).toMatch(/not a readable \.tar\.gz archive/);
  });

  it('archive entries and links that leave the folder are refused', async () => {
    const base = Object.entries(good()).map(([name, bytes]) => ({ name, bytes }));
    expect(await failure(await writeTar([...base, { name: '../evil.png', bytes: png(4, 1) }], true))).toMatch(
      /:\.\.\/evil\.png: path escapes the data set's folder$/,
    );
    expect(await failure(await writeTar([...base, { name: 'train/ant/../../../x.png', bytes: png(4, 1) }], false))).toMatch(
      /path escapes the data set's folder$/,
    );
    expect(await failure(await writeTar([...base, { name: '/etc/x.png', bytes: png(4, 1) }], true))).toMatch(
      /:\/etc\/x\.png: absolute path/,
    );
    expect(
      await failure(await writeTar([...base, { name: 'train/ant/link.png', type: 'symlink', linkname: '../../../etc/passwd' }], true)),
    ).toMatch(/train\/ant\/link\.png \(a link to \.\.\/\.\.\/\.\.\/etc\/passwd\): path escapes the data set's folder$/);
    expect(await failure(await writeTar([...base, { name: 'train/ant/abs.png', type: 'symlink', linkname: '/etc/passwd' }], true))).toMatch(
      /absolute path/,
    );
    const outside = join(root, 'outside.png');
    writeFileSync(outside, png(4, 1));
    const dir = writeDir(good());
    symlinkSync(outside, join(dir, 'train', 'ant', 'out.png'));
    expect(await failure(dir)).toBe(
      `${join(dir, 'train', 'ant', 'out.png')}: symbolic link points out of the data set's folder (to ${outside})`,
    );
    expect(FolderSourceError).toBeDefined();
  });
});

// The CIFAR-10 JPEG archive (50,000 + 10,000 images, ~130 MB) is not part of the repository:
// FUSELAB_CIFAR10_ARCHIVE names it (.ci/run sets it when CI provides one).
const shared = process.env.FUSELAB_CIFAR10_ARCHIVE ? resolve(process.env.FUSELAB_CIFAR10_ARCHIVE) : undefined;

describe('the shared CIFAR-10 JPEG archive', () => {
  if (!shared || !existsSync(shared)) {
    it.skip(`skipped: ${shared ? `${shared} is not there` : 'FUSELAB_CIFAR10_ARCHIVE is not set'} (set it to the CIFAR-10 JPEG archive's path)`, () => {});
    return;
  }
  it(`decodes ${shared}: 50,000 train / 10,000 test images of 32×32, 10 classes`, async () => {
    const data = await loadFolderData({ path: shared, cacheDir: process.env.FUSELAB_CIFAR10_CACHE ?? join(root, 'cifar-cache') });
    expect(data.classes).toEqual(['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);
    expect(data.train).toMatchObject({ count: 50_000, height: 32, width: 32, channels: 3, numClasses: 10 });
    expect(data.test).toMatchObject({ count: 10_000, height: 32, width: 32 });
    const perClass = new Array<number>(10).fill(0);
    for (const label of data.test.labels) perClass[label]! += 1;
    expect(perClass).toEqual(new Array(10).fill(1000));
    // Stored shuffled, so a --limit prefix mixes the classes.
    expect(new Set(data.train.labels.subarray(0, 200)).size).toBe(10);
  }, 900_000);
});
