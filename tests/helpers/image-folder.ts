/**
 * Tiny image-folder data sets for the tests that train or score on `--dataset folder`:
 * `train/<class>/<i>.png` and `test/<class>/<i>.png`, square grey PNGs whose level says the class
 * (lossless, so the pixels are known exactly).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';

export interface ImageFolderLayout {
  /** Class folder names, in the order `level` numbers them. */
  classes: readonly string[];
  /** Images per class in each split. */
  train: number;
  test: number;
  /** Grey level (0–255) of image `i` of class number `c`. */
  level: (c: number, i: number) => number;
  /** Side in pixels (default 8). */
  side?: number;
  /** More files to write, by path inside the folder (a file that is not an image, say). */
  extra?: Record<string, Buffer | string>;
}

/** A square PNG of one grey level (every channel, alpha too, is `level`). */
export function greyPng(side: number, level: number): Buffer {
  const image = new PNG({ width: side, height: side });
  image.data.fill(level);
  return PNG.sync.write(image);
}

/** Writes the folder into `dir` (created as needed) and returns `dir`. */
export function writeImageFolder(dir: string, layout: ImageFolderLayout): string {
  const files: Record<string, Buffer | string> = { ...layout.extra };
  for (const [split, n] of [
    ['train', layout.train],
    ['test', layout.test],
  ] as const)
    layout.classes.forEach((name, c) => {
      for (let i = 0; i < n; i++) files[`${split}/${name}/${i}.png`] = greyPng(layout.side ?? 8, layout.level(c, i));
    });
  for (const [path, bytes] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), bytes);
  }
  return dir;
}
