/**
 * JPEG and PNG bytes to RGB pixels, and bilinear resizing: bytes in, arrays out (the caller reads
 * the files). Decoders are maintained pure-JS packages (jpeg-js, pngjs), so no native module.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { type NamedBytes } from './dataset.js';
import { DatasetError } from './errors.js';

/** One decoded image: `height × width × 3` RGB bytes, row-major. */
export interface RgbImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

/** The image formats {@link decodeImage} reads, by their magic numbers (file names do not count). */
export const IMAGE_FORMATS = ['jpeg', 'png'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/** Largest side accepted: guards a corrupt header from asking for gigabytes. */
const MAX_SIDE = 8192;

export function imageFormat(bytes: Uint8Array): ImageFormat | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && png.every((b, i) => bytes[i] === b)) return 'png';
  return null;
}

/** Drops alpha (RGBA → RGB); PNG's 8-bit output is RGBA whatever the colour type. */
function rgbaToRgb(rgba: Uint8Array, pixels: number): Uint8Array {
  const rgb = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    rgb[3 * p] = rgba[4 * p]!;
    rgb[3 * p + 1] = rgba[4 * p + 1]!;
    rgb[3 * p + 2] = rgba[4 * p + 2]!;
  }
  return rgb;
}

/**
 * Decodes a JPEG or PNG (found by content, not by name) to RGB. Grey images become three equal
 * channels, alpha is dropped. Anything else, or a corrupt file, is a {@link DatasetError} naming it.
 */
export function decodeImage(input: NamedBytes): RgbImage {
  const format = imageFormat(input.bytes);
  if (format === null) throw new DatasetError(input.file, 'not an image: expected a JPEG or PNG file (by its first bytes)');
  let image: RgbImage;
  try {
    if (format === 'jpeg') {
      const decoded = jpeg.decode(input.bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 64, maxMemoryUsageInMB: 512 });
      image = { width: decoded.width, height: decoded.height, rgb: rgbaToRgb(decoded.data, decoded.width * decoded.height) };
    } else {
      const decoded = PNG.sync.read(Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength));
      image = { width: decoded.width, height: decoded.height, rgb: rgbaToRgb(decoded.data, decoded.width * decoded.height) };
    }
  } catch (error) {
    throw new DatasetError(input.file, `corrupt ${format === 'jpeg' ? 'JPEG' : 'PNG'} image (${(error as Error).message.split('\n')[0]})`);
  }
  if (!(image.width >= 1 && image.height >= 1 && image.width <= MAX_SIDE && image.height <= MAX_SIDE)) {
    throw new DatasetError(input.file, `image of ${image.width}×${image.height} pixels: expected sides of 1…${MAX_SIDE}`);
  }
  return image;
}

/**
 * Bilinear resize to `size × size` with half-pixel centres (as PIL and OpenCV's INTER_LINEAR do;
 * no antialiasing, so large downscales alias). Same size: the pixels unchanged.
 */
export function resizeRgb(image: RgbImage, size: number): Uint8Array {
  const { width: w, height: h, rgb } = image;
  if (w === size && h === size) return rgb;
  const out = new Uint8Array(size * size * 3);
  const sx = w / size;
  const sy = h / size;
  for (let y = 0; y < size; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), h - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h - 1);
    const dy = fy - y0;
    for (let x = 0; x < size; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), w - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, w - 1);
      const dx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const top = rgb[(y0 * w + x0) * 3 + c]! * (1 - dx) + rgb[(y0 * w + x1) * 3 + c]! * dx;
        const bottom = rgb[(y1 * w + x0) * 3 + c]! * (1 - dx) + rgb[(y1 * w + x1) * 3 + c]! * dx;
        out[(y * size + x) * 3 + c] = Math.round(top * (1 - dy) + bottom * dy);
      }
    }
  }
  return out;
}
