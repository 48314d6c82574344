/**
 * `fuselab score`: zero-cost proxies of one network on one minibatch (libs/nas `scoreSpec`). This
 * file does the I/O: it reads the data set (Fashion-MNIST from its files; the synthetic and noise
 * sets are generated) and turns `--batch` images into the minibatch the library scores.
 */
import type { Command } from 'commander';
import {
  BLOCK_OPERATORS,
  buildNetwork,
  defaultStem,
  InvalidSpecError,
  NETWORKS,
  VARIANTS,
  type BlockOperator,
  type NetworkSpec,
} from '@fuselab/fuseconv';
import { NasInputError } from '@fuselab/nas';
import { printJson, printText } from '../output.js';
import { oneOf, parseList, parseNetwork, parsePositiveInt, parsePositiveNumber, parseStem, parseVariant, STEM_HELP } from '../options.js';
import { UsageError } from '../usage-error.js';

/** `noise` is Gaussian N(0, 1) images without labels (what Zen-NAS scores on). */
const SCORE_DATASETS = ['fashion-mnist', 'synthetic', 'noise'] as const;
type ScoreDataset = (typeof SCORE_DATASETS)[number];
const NUM_CLASSES = 10;

interface ScoreFlags {
  network: string;
  stem?: string;
  variant?: string;
  operators?: string;
  proxies: string;
  dataset: string;
  dataDir?: string;
  input: string;
  width: string;
  batch: string;
  seed: string;
  json?: boolean;
}

/** The library's `field: message` as the CLI's `--flag: message`. */
function asUsage(error: unknown): never {
  if (error instanceof NasInputError) throw new UsageError(`--${error.field === 'batch' ? 'input' : 'proxies'}`, error.problem);
  throw error;
}

/** One operator per block, in order (repeats are the point, so not `parseList`, which de-duplicates). */
function parseOperators(value: string): BlockOperator[] {
  return value.split(',').map((item, i) => {
    const op = item.trim();
    if (!(BLOCK_OPERATORS as readonly string[]).includes(op)) {
      throw new UsageError('--operators', `item ${i + 1}: unknown block operator "${op}", expected one of ${BLOCK_OPERATORS.join(', ')}`);
    }
    return op as BlockOperator;
  });
}

/** Zero-pads NHWC images (centred) from `from`×`from` to `to`×`to`. */
function padImages(x: Float32Array, n: number, from: number, to: number, channels: number): Float32Array {
  if (from === to) return x;
  const out = new Float32Array(n * to * to * channels);
  const offset = Math.floor((to - from) / 2);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < from; y++) {
      const src = (i * from + y) * from * channels;
      const dst = ((i * to + y + offset) * to + offset) * channels;
      out.set(x.subarray(src, src + from * channels), dst);
    }
  }
  return out;
}

async function loadBatch(dataset: ScoreDataset, options: { dataDir?: string; input: number; batch: number; seed: number }) {
  const nos = await import('@fuselab/nos');
  const { input, batch: n, seed } = options;
  const shape = { n, height: input, width: input, channels: 3 };
  if (dataset === 'noise') {
    const rng = nos.Rng.fromSeed(seed);
    const x = Float32Array.from({ length: n * input * input * 3 }, () => rng.normal());
    return { ...shape, x };
  }
  let images;
  if (dataset === 'synthetic')
    images = nos.syntheticDataset({ count: n, size: input, channels: 3, numClasses: NUM_CLASSES, seed, name: 'synthetic' });
  else {
    const training = await import('../../train/training.js');
    const data = await training
      .loadTrainingData({ dataset, ...(options.dataDir ? { dataDir: options.dataDir } : {}), limit: n, seed })
      .catch((error: unknown) => {
        if (error instanceof training.DatasetFileError || error instanceof nos.DatasetError)
          throw new UsageError('--data-dir', `${error.message}`);
        throw error;
      });
    images = data.train;
    if (images.count < n) throw new UsageError('--batch', `${n} is more than the ${images.count} images of ${dataset}`);
    if (images.height > input)
      throw new UsageError('--input', `${dataset} images are ${images.height}×${images.width}, larger than ${input}×${input}`);
  }
  const made = nos.makeBatch(
    images,
    Array.from({ length: n }, (_, i) => i),
    { channels: 3 },
  );
  return { ...shape, x: padImages(made.x, n, images.height, input, 3), labels: made.y };
}

export function registerScoreCommand(program: Command): void {
  program
    .command('score')
    .description(
      'zero-cost proxies of a network on one minibatch (synflow, grad_norm, snip, grasp, fisher, jacob_cov, naswot, zen, params, macs)',
    )
    .requiredOption('--network <name>', NETWORKS.join(' | '))
    .option('--variant <name>', VARIANTS.join(' | '))
    .option('--operators <list>', `one operator per searchable block: comma list of ${BLOCK_OPERATORS.join(', ')}`)
    .requiredOption('--proxies <list>', 'comma list of proxies')
    .requiredOption('--dataset <name>', `${SCORE_DATASETS.join(' | ')} (noise: Gaussian images, no labels)`)
    .option('--data-dir <dir>', 'fashion-mnist directory (default /usr/share/datasets/fashion-mnist)')
    .option('--input <size>', 'input size; fashion-mnist 28×28 images are zero-padded to it', '32')
    .option('--width <multiplier>', 'width multiplier', '0.25')
    .option('--stem <name>', STEM_HELP)
    .option('--batch <n>', 'images in the minibatch', '64')
    .option('--seed <n>', 'seed of the weights (and of generated data)', '1')
    .option('--json', 'print one JSON document: {"network","operators","scores":{name: value}}')
    .action(async (flags: ScoreFlags) => {
      const network = parseNetwork(flags.network);
      if ((flags.variant === undefined) === (flags.operators === undefined))
        throw new UsageError('--variant', 'give either --variant or --operators (one of them)');
      const dataset = oneOf('--dataset', flags.dataset, SCORE_DATASETS, 'data set');
      if (flags.dataDir !== undefined && dataset !== 'fashion-mnist')
        throw new UsageError('--data-dir', `only used with --dataset fashion-mnist`);
      const input = parsePositiveInt('--input', flags.input);
      const width = parsePositiveNumber('--width', flags.width);
      if (width > 4) throw new UsageError('--width', `expected at most 4, got "${flags.width}"`);
      const batch = parsePositiveInt('--batch', flags.batch);
      if (batch < 2)
        throw new UsageError('--batch', `expected at least 2 images (jacob_cov and naswot compare samples), got "${flags.batch}"`);
      if (!/^\s*\d+\s*$/.test(flags.seed) || Number(flags.seed) === 0)
        throw new UsageError('--seed', `expected a positive integer (tfjs reads seed 0 as unseeded), got "${flags.seed}"`);
      const seed = Number(flags.seed);
      const { quietTfjs, scoreSpec, validateProxies, PROXIES } = await import('@fuselab/nas/proxies');
      quietTfjs();
      const proxies = parseList('--proxies', flags.proxies, PROXIES, 'proxy');
      try {
        validateProxies(proxies, dataset !== 'noise');
      } catch (error) {
        asUsage(error);
      }
      let spec: NetworkSpec;
      try {
        const shape = {
          network,
          width,
          inputSize: input,
          numClasses: NUM_CLASSES,
          stem: flags.stem !== undefined ? parseStem(flags.stem) : defaultStem(input),
        };
        spec =
          flags.variant !== undefined
            ? buildNetwork({ ...shape, variant: parseVariant(flags.variant) })
            : buildNetwork({ ...shape, operators: parseOperators(flags.operators!) });
      } catch (error) {
        if (error instanceof InvalidSpecError)
          throw new UsageError(
            `--${flags.variant !== undefined ? 'variant' : /input|too small/i.test(error.message) ? 'input' : 'operators'}`,
            error.problem,
          );
        throw error;
      }
      const data = await loadBatch(dataset, { ...(flags.dataDir ? { dataDir: flags.dataDir } : {}), input, batch, seed });
      const scores = await scoreSpec(spec, data, proxies, seed).catch(asUsage);
      const summary = { network, operators: spec.operators, scores };
      if (flags.json) printJson(summary);
      else
        printText(
          [
            `${network} (${flags.variant ?? 'custom operators'}, width ${width}, ${input}×${input}, ${dataset} batch ${batch}, seed ${seed})`,
            ...Object.entries(scores).map(([name, value]) => `  ${name.padEnd(10)} ${value}`),
          ].join('\n'),
        );
    });
}
