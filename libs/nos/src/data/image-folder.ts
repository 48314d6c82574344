/**
 * Image-folder data sets (torchvision's `ImageFolder` convention: one subfolder per class) from the
 * bytes of their files. The caller lists and reads the files (a directory, a tar archive); this
 * module assigns labels, decodes and sizes the images, and says which file is wrong when one is.
 */
import { type ImageDataset, validateDataset } from './dataset.js';
import { DatasetError } from './errors.js';
import { decodeImage, resizeRgb } from './images.js';

/** One image file of a split: its class folder's name and its bytes. */
export interface FolderImage {
  /** Path for messages, e.g. `data.tar.gz:train/cat/0001.jpg`. */
  file: string;
  className: string;
  bytes: Uint8Array;
}

export interface ImageFolderOptions {
  /** Data set name for messages and results, e.g. `cifar10-jpeg/train`. */
  name: string;
  /** The class names, in label order (callers sort them by name, as ImageFolder does). */
  classes: readonly string[];
  /**
   * Resize every image to `imageSize × imageSize` (bilinear). Without it every image must have the
   * size of the first one, else the file that differs is named.
   */
  imageSize?: number;
  /** Called after each decoded image (for a progress bar). */
  onImage?: (done: number, total: number) => void;
}

/** Decodes the images of one split into an NHWC RGB data set, labels from `classes`. */
export function decodeImageFolder(images: readonly FolderImage[], options: ImageFolderOptions): ImageDataset {
  const labelOf = new Map(options.classes.map((c, i) => [c, i] as const));
  if (labelOf.size !== options.classes.length) throw new DatasetError(options.name, 'duplicate class names');
  if (options.classes.length > 256)
    throw new DatasetError(options.name, `${options.classes.length} classes: at most 256 are supported (labels are bytes)`);
  if (options.imageSize !== undefined && !(Number.isInteger(options.imageSize) && options.imageSize >= 1)) {
    throw new DatasetError(options.name, `image size must be a positive integer, got ${options.imageSize}`);
  }
  const counts = new Array<number>(options.classes.length).fill(0);
  for (const image of images) {
    const label = labelOf.get(image.className);
    if (label === undefined)
      throw new DatasetError(
        image.file,
        `class folder "${image.className}" is not one of the ${options.classes.length} classes (${options.classes.join(', ')})`,
      );
    counts[label]! += 1;
  }
  counts.forEach((n, i) => {
    if (n === 0) throw new DatasetError(`${options.name}/${options.classes[i]}`, 'empty class: no images');
  });

  let side = options.imageSize;
  let pixels = new Uint8Array(0);
  const labels = new Uint8Array(images.length);
  images.forEach((item, i) => {
    const image = decodeImage(item);
    if (side === undefined) {
      if (image.width !== image.height) {
        throw new DatasetError(
          item.file,
          `image of ${image.width}×${image.height} pixels is not square: give an image size to resize every image to`,
        );
      }
      side = image.width;
    }
    if (options.imageSize === undefined && (image.width !== side || image.height !== side)) {
      throw new DatasetError(
        item.file,
        `image of ${image.width}×${image.height} pixels, but the first image is ${side}×${side}: give an image size to resize every image to`,
      );
    }
    if (i === 0) pixels = new Uint8Array(images.length * side * side * 3);
    pixels.set(resizeRgb(image, side), i * side * side * 3);
    labels[i] = labelOf.get(item.className)!;
    options.onImage?.(i + 1, images.length);
  });
  if (side === undefined) throw new DatasetError(options.name, 'no images');
  return validateDataset({
    name: options.name,
    count: images.length,
    height: side,
    width: side,
    channels: 3,
    numClasses: options.classes.length,
    images: pixels,
    labels,
  });
}
