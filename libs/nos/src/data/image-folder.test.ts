import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { DatasetError } from './errors.js';
import { decodeImageFolder, type FolderImage } from './image-folder.js';
import { decodeImage, resizeRgb } from './images.js';

/** A PNG whose pixel (x, y) is (x, y, 7) (lossless, so the decoded pixels are known exactly). */
function gradientPng(w: number, h: number, colorType: 2 | 6 = 6): Uint8Array {
  const png = new PNG({ width: w, height: h, colorType, inputColorType: 6 });
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) png.data.set([x, y, 7, 255], (y * w + x) * 4);
  return new Uint8Array(PNG.sync.write(png, { colorType, inputColorType: 6 }));
}

/** A flat-colour JPEG at quality 95: decodes to within a few levels of the colour. */
function flatJpeg(side: number, rgb: [number, number, number]): Uint8Array {
  const data = new Uint8Array(side * side * 4);
  for (let p = 0; p < side * side; p++) data.set([...rgb, 255], p * 4);
  return new Uint8Array(jpeg.encode({ data, width: side, height: side }, 95).data);
}

function fails(run: () => unknown): DatasetError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetError);
    return error as DatasetError;
  }
  throw new Error('expected a DatasetError');
}

describe('decodeImage', () => {
  it('PNG (RGB and RGBA) to exact RGB pixels', () => {
    for (const colorType of [2, 6] as const) {
      const image = decodeImage({ file: 'a.png', bytes: gradientPng(3, 2, colorType) });
      expect([image.width, image.height]).toEqual([3, 2]);
      expect(Array.from(image.rgb)).toEqual([0, 0, 7, 1, 0, 7, 2, 0, 7, 0, 1, 7, 1, 1, 7, 2, 1, 7]);
    }
  });

  it('JPEG to RGB within JPEG error of a flat colour', () => {
    const image = decodeImage({ file: 'a.jpg', bytes: flatJpeg(8, [200, 40, 90]) });
    expect([image.width, image.height, image.rgb.length]).toEqual([8, 8, 192]);
    for (let p = 0; p < 64; p++) {
      expect(Math.abs(image.rgb[3 * p]! - 200)).toBeLessThanOrEqual(4);
      expect(Math.abs(image.rgb[3 * p + 1]! - 40)).toBeLessThanOrEqual(4);
      expect(Math.abs(image.rgb[3 * p + 2]! - 90)).toBeLessThanOrEqual(4);
    }
  });

  it('names the file: not an image, corrupt JPEG, corrupt PNG', () => {
    expect(fails(() => decodeImage({ file: 'train/cat/notes.txt', bytes: new TextEncoder().encode('hello') })).message).toBe(
      'train/cat/notes.txt: not an image: expected a JPEG or PNG file (by its first bytes)',
    );
    const jpg = flatJpeg(8, [1, 2, 3]);
    expect(fails(() => decodeImage({ file: 'x/1.jpg', bytes: jpg.slice(0, 40) })).message).toMatch(/^x\/1\.jpg: corrupt JPEG image \(/);
    const png = gradientPng(4, 4);
    const broken = png.slice();
    broken.fill(0, 40, 60);
    expect(fails(() => decodeImage({ file: 'x/2.png', bytes: broken })).message).toMatch(/^x\/2\.png: corrupt PNG image \(/);
  });
});

describe('resizeRgb', () => {
  it('keeps a same-size image and averages 2×2 blocks when halving (half-pixel centres)', () => {
    const rgb = new Uint8Array([0, 0, 0, 100, 100, 100, 50, 50, 50, 150, 150, 150]);
    expect(resizeRgb({ width: 2, height: 2, rgb }, 2)).toBe(rgb);
    expect(Array.from(resizeRgb({ width: 2, height: 2, rgb }, 1))).toEqual([75, 75, 75]);
    // Upscaling a 1×1 image repeats it.
    expect(Array.from(resizeRgb({ width: 1, height: 1, rgb: new Uint8Array([9, 8, 7]) }, 2))).toEqual([9, 8, 7, 9, 8, 7, 9, 8, 7, 9, 8, 7]);
  });
});

describe('decodeImageFolder', () => {
  const item = (className: string, bytes: Uint8Array, i = 0): FolderImage => ({ file: `train/${className}/${i}.png`, className, bytes });

  it('labels by class order, NHWC RGB, one size', () => {
    const ds = decodeImageFolder([item('b', gradientPng(2, 2)), item('a', gradientPng(2, 2), 1)], {
      name: 'toy/train',
      classes: ['a', 'b'],
    });
    expect(ds).toMatchObject({ name: 'toy/train', count: 2, height: 2, width: 2, channels: 3, numClasses: 2 });
    expect(Array.from(ds.labels)).toEqual([1, 0]);
    expect(Array.from(ds.images.slice(0, 12))).toEqual([0, 0, 7, 1, 0, 7, 0, 1, 7, 1, 1, 7]);
  });

  it('mixed sizes: refused naming the file, or resized with an image size', () => {
    const mixed = [item('a', gradientPng(4, 4)), item('a', gradientPng(2, 2), 1)];
    expect(fails(() => decodeImageFolder(mixed, { name: 'toy/train', classes: ['a'] })).message).toBe(
      'train/a/1.png: image of 2×2 pixels, but the first image is 4×4: give an image size to resize every image to',
    );
    const ds = decodeImageFolder(mixed, { name: 'toy/train', classes: ['a'], imageSize: 2 });
    expect([ds.count, ds.height, ds.width]).toEqual([2, 2, 2]);
    expect(fails(() => decodeImageFolder([item('a', gradientPng(4, 2))], { name: 'toy/train', classes: ['a'] })).message).toMatch(
      /not square/,
    );
  });

  it('an empty class and an unknown class folder are named', () => {
    expect(fails(() => decodeImageFolder([item('a', gradientPng(2, 2))], { name: 'toy/train', classes: ['a', 'b'] })).message).toBe(
      'toy/train/b: empty class: no images',
    );
    expect(fails(() => decodeImageFolder([item('c', gradientPng(2, 2))], { name: 'toy/test', classes: ['a'] })).message).toMatch(
      /^train\/c\/0\.png: class folder "c" is not one of the 1 classes/,
    );
  });

  it('reports progress per image', () => {
    const seen: Array<[number, number]> = [];
    decodeImageFolder([item('a', gradientPng(2, 2)), item('a', gradientPng(2, 2), 1)], {
      name: 't',
      classes: ['a'],
      onImage: (d, t) => seen.push([d, t]),
    });
    expect(seen).toEqual([
      [1, 2],
      [2, 2],
    ]);
  });
});
