export { DatasetError } from './errors.js';
export { type ImageDataset, type NamedBytes, validateDataset, takeFirst, concatDatasets } from './dataset.js';
export { isGzip, gunzipIfNeeded } from './gzip.js';
export {
  parseIdx,
  loadIdx,
  loadIdxDataset,
  encodeIdx,
  MNIST_FILES,
  FASHION_MNIST_CLASSES,
  type IdxArray,
  type IdxType,
  type IdxDatasetInput,
} from './idx.js';
export { parseCifarBatch, encodeCifarBatch, type CifarKind, type CifarOptions } from './cifar.js';
export { syntheticDataset, type SyntheticOptions } from './synthetic.js';
export { Rng, mixSeed, shuffledIndices, type RngState } from './rng.js';
export { makeBatch, type Batch, type BatchOptions, type AugmentOptions } from './batch.js';
export { decodeImage, resizeRgb, imageFormat, IMAGE_FORMATS, type RgbImage, type ImageFormat } from './images.js';
export { decodeImageFolder, type FolderImage, type ImageFolderOptions } from './image-folder.js';
