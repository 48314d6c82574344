/**
 * The campaign spec: a YAML or JSON file of simulation sweeps, training runs and searches.
 * Validated with zod at the trust boundary (CLI file, API body); a bad spec gives one message
 * naming the field. Normalisation fills defaults, expands `all` and sorts every set so that two
 * specs meaning the same thing have the same canonical hash.
 */
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  BLOCK_OPERATORS,
  defaultStem,
  InvalidSpecError,
  networkDefinition,
  NETWORKS,
  STEMS,
  validateOperators,
  VARIANTS,
  type BlockOperator,
  type NetworkName,
} from '@fuselab/fuseconv';
import { DATAFLOWS, TIMING_MODELS } from '@fuselab/systolic-sim';
import { createStrategy, defaultBudget, makeSpace, NasInputError, OBJECTIVES, SPACE_KINDS, validateConstraints } from '@fuselab/nas';
import {
  HARDWARE_CHOICES,
  SEARCH_STRATEGIES,
  SEARCH_TRAIN_METHODS,
  ZERO_COST_PT,
  TRAIN_DATASETS,
  TRAIN_METHODS,
  TRAIN_OPTIMIZERS,
  type SearchTrainMethodName,
  type TrainDataset,
} from '../choices.js';
import {
  canonicalAugment,
  replicasProblem,
  SEARCH_EVALUATION,
  stableStringify,
  type NormalisedSearch,
  type NormalisedSpec,
  type SearchTraining,
  DEFAULT_RECALIBRATE_BATCHES,
  type TrainingSettings,
  type NormalisedSweep,
  type NormalisedTraining,
} from './expand.js';
import { ANNEAL_KINDS, canonicalDistill, distillProblem, FUSE_INITS } from './distill.js';
import { canonicalRecipe, recipeProblem } from './recipe.js';
import { constraintCheckOf, strategyOptionsOf } from './search.js';
import {
  arraySize,
  checkDistinct,
  checkedArrays,
  choice,
  describeZodError,
  inOrder,
  name,
  nameList,
  positiveInt,
  SpecError,
} from './validation.js';

/** Image side of the built-in data sets (folder: its imageSize, else known only once decoded), for the default stem. */
export const DATASET_IMAGE_SIZE = { 'fashion-mnist': 28, cifar10: 32, synthetic: 16 } as const;

function trainingImageSize(run: { dataset: TrainDataset; imageSize?: number | undefined }): number | undefined {
  return run.dataset === 'folder' ? run.imageSize : DATASET_IMAGE_SIZE[run.dataset];
}

const sweepSchema = z.strictObject({
  name: name.optional(),
  networks: nameList(NETWORKS, 'network'),
  variants: nameList(VARIANTS, 'variant'),
  arrays: z.array(arraySize).min(1, { error: 'expected at least one array size' }),
  models: z.array(choice(TIMING_MODELS, 'timing model')).min(1).default(['reference']),
  hardware: z.array(choice(HARDWARE_CHOICES, 'hardware')).min(1).default(['paper']),
  dataflows: z.array(choice(DATAFLOWS, 'dataflow')).min(1).default(['os']),
  inputSize: positiveInt('a positive integer input size').default(224),
  classes: positiveInt('a positive integer number of classes').default(1000),
  /** Default: fuseconv's defaultStem(inputSize) — cifar up to 64 px, imagenet above. */
  stem: choice(STEMS, 'stem').optional(),
});

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, { error: 'expected a sha256 digest (64 lowercase hex digits)' });

const trainingSchema = z.strictObject({
  name: name.optional(),
  dataset: choice(TRAIN_DATASETS, 'dataset'),
  network: choice(NETWORKS, 'network'),
  variants: nameList(VARIANTS, 'variant').optional(),
  /**
   * Networks beyond the named variants: each a list of one operator per searchable block (as
   * `fuselab score --operators` and the searches' candidates give them), trained as variant `custom`.
   */
  operators: z
    .array(z.array(choice(BLOCK_OPERATORS, 'block operator')).min(1, { error: 'expected one operator per block' }))
    .min(1, { error: 'expected at least one list of block operators' })
    .optional(),
  width: z.number().positive({ error: 'expected a positive width multiplier' }).max(4).default(1),
  /** Default: fuseconv's defaultStem of the data's image size — cifar up to 64 px, imagenet above. */
  stem: choice(STEMS, 'stem').optional(),
  method: choice(TRAIN_METHODS, 'training method').default('scratch'),
  /**
   * kd / nos: the name of a training in this spec that trains the baseline, or a checkpoint file every
   * train worker can read — or either as a normalised spec writes it (`{training, index}`,
   * `{checkpoint}`), so that a stored campaign's spec can be submitted again as it is.
   */
  teacher: z
    .union(
      [
        z.string().min(1),
        z.strictObject({ training: z.string().min(1), index: z.number().int().nonnegative() }),
        z.strictObject({ checkpoint: z.string().min(1) }),
      ],
      { error: 'expected the name of a training of this spec or a checkpoint path' },
    )
    .optional(),
  /** fashion-mnist: default /usr/share/datasets/fashion-mnist; cifar10: required (the binary batches). */
  dataDir: z.string().min(1).optional(),
  /** folder: a directory or .tar/.tar.gz archive with train/<class>/… and test/<class>/… that every train worker can read. */
  data: z.string().min(1).optional(),
  /** folder: resize every image to this square size (else all images must share one). */
  imageSize: positiveInt('a positive integer image size').max(4096).optional(),
  /**
   * Written at submission, not by hand: the sha256 of the files the training names — `data` when it
   * is an archive, `teacher` when it is a checkpoint file — which every job's key includes
   * (file-digests.ts). A stored campaign's spec submitted again carries it, and each file must
   * still match.
   */
  sha256: z
    .strictObject({
      data: sha256Hex.optional(),
      teacher: sha256Hex.optional(),
    })
    .optional(),
  epochs: positiveInt('a positive integer number of epochs'),
  batch: positiveInt('a positive integer batch size').default(64),
  limit: positiveInt('a positive integer image limit').optional(),
  /** Training-set augmentation: `crop` (zero-padding in pixels before a random crop) and `flip` (left–right). */
  augment: z
    .strictObject({
      crop: z
        .number()
        .int({ error: 'expected a whole number of pixels' })
        .min(0, { error: 'expected 0 or more pixels' })
        .max(64)
        .optional(),
      flip: z.boolean({ error: 'expected true or false' }).optional(),
    })
    .optional(),
  /**
   * Data-parallel threads per training step (default 1): up to the worker's cores, each computes the
   * gradients of its share of the batch. Scratch trainings only; changes the result (BatchNorm per share).
   */
  replicas: positiveInt('a positive integer number of replicas').max(64).optional(),
  /** The optimizer recipe (recipe.ts; default SGD lr 0.05, momentum 0.9, weight decay 5e-5, cosine): its ranges are checked by recipeProblem. */
  optimizer: choice(TRAIN_OPTIMIZERS, 'optimizer').optional(),
  lr: z.number({ error: 'expected a learning rate (a number)' }).optional(),
  momentum: z.number({ error: 'expected a momentum (a number)' }).optional(),
  weightDecay: z.number({ error: 'expected a weight decay (a number)' }).optional(),
  /** kd / nos: libs/nos' distillation knobs (distill.ts; ranges checked by distillProblem). */
  distill: z
    .strictObject({
      alpha: z.number({ error: 'expected a weight (a number)' }).optional(),
      temperature: z.number({ error: 'expected a temperature (a number)' }).optional(),
      lambdaOp: z.number({ error: 'expected a weight (a number)' }).optional(),
      anneal: choice(ANNEAL_KINDS, 'anneal').optional(),
      annealFraction: z.number({ error: 'expected a fraction (a number)' }).optional(),
      fuseInit: choice(FUSE_INITS, 'FuSe initialisation').optional(),
    })
    .optional(),
  seeds: z.array(z.number().int().nonnegative()).min(1).default([0]),
});

/**
 * A search's `training` (with the `accuracy` objective): a training entry's data and recipe settings
 * for every candidate, and one seed (default: the search's).
 */
const searchTrainingSchema = trainingSchema
  .pick({
    dataset: true,
    dataDir: true,
    data: true,
    imageSize: true,
    sha256: true,
    width: true,
    stem: true,
    epochs: true,
    batch: true,
    limit: true,
    augment: true,
    replicas: true,
    optimizer: true,
    lr: true,
    momentum: true,
    weightDecay: true,
    distill: true,
    teacher: true,
  })
  .extend({
    seed: z.number({ error: 'expected an integer seed' }).int({ error: 'expected an integer seed' }).nonnegative().optional(),
    /** Instead of `seed`: every candidate trained at each, its accuracy the mean (2–10 seeds). */
    seeds: z
      .array(z.number({ error: 'expected an integer seed' }).int({ error: 'expected an integer seed' }).nonnegative())
      .min(2, { error: 'at least 2 seeds (one seed: give seed)' })
      .max(10, { error: 'at most 10 seeds' })
      .optional(),
    /** A training method, or `supernet`: one weight-sharing supernet trained once, candidates scored by inherited accuracy. */
    method: choice(SEARCH_TRAIN_METHODS, 'training method').default('scratch'),
    /** supernet: training batches whose BatchNorm statistics each scored candidate gets (default 20). */
    recalibrate: positiveInt('a positive integer number of batches').max(10_000).optional(),
  });

const searchSchema = z.strictObject({
  name: name.optional(),
  network: choice(NETWORKS, 'network'),
  space: choice(SPACE_KINDS, 'search space'),
  operators: z
    .array(choice(BLOCK_OPERATORS, 'block operator'))
    .min(1)
    .default([...BLOCK_OPERATORS]),
  /** One array, or `arrays` (several: the array becomes a co-design gene). */
  array: arraySize.optional(),
  arrays: z.array(arraySize).min(1, { error: 'expected at least one array size' }).optional(),
  strategy: choice(SEARCH_STRATEGIES, 'search strategy'),
  objectives: z.array(choice(OBJECTIVES, 'objective')).min(1),
  /** Evaluations at most (default 100; exhaustive: the whole space). */
  budget: positiveInt('a positive integer budget').optional(),
  /** Default: the campaign's seed. */
  seed: z.number().int().nonnegative().optional(),
  /** evolution / nsga2 population (default 16); halving: networks of the first rung (default 27). */
  population: positiveInt('a positive integer population size').min(2, { error: 'expected a population of at least 2' }).optional(),
  /** halving: each rung keeps 1/eta of the networks at eta times the fidelity (default 3). */
  eta: positiveInt('an integer ≥ 2').optional(),
  /** halving: rungs, the last at full fidelity (default 3). */
  rungs: positiveInt('an integer ≥ 2').optional(),
  /** With the `accuracy` objective: how every candidate is trained (a fuselab-train job each). */
  training: searchTrainingSchema.optional(),
  /**
   * With the `accuracy` objective: every network of the one-seed front (of its first `fronts`
   * non-dominated fronts) is trained again at these seeds, and the search reports the front of the
   * mean accuracies (libs/nas confirm.ts).
   */
  confirm: z
    .strictObject({
      seeds: z
        .array(z.number({ error: 'expected an integer seed' }).int({ error: 'expected an integer seed' }).nonnegative())
        .min(1, { error: 'expected at least one seed' }),
      fronts: positiveInt('a positive whole number of fronts').max(10).optional(),
    })
    .optional(),
  /** Latency bounds: `latency` (cycles at most) and/or `speedup` (at least, against the all-dw network on the same array). */
  constraints: z
    .strictObject({
      latency: positiveInt('a positive whole number of cycles').optional(),
      speedup: z.number({ error: 'expected a positive speed-up' }).positive({ error: 'expected a positive speed-up' }).optional(),
    })
    .optional(),
});

/** One object or a list of them. */
const oneOrMany = <T extends z.ZodType>(schema: T) => z.union([schema.transform((item) => [item]), z.array(schema)]);

export const campaignSpecSchema = z.strictObject({
  /** Spec format version; the normalised form carries it, so normalising twice changes nothing. */
  version: z.literal(1, { error: 'expected 1 (the only spec format version)' }).optional(),
  name,
  description: z.string().optional(),
  seed: z
    .number({ error: 'expected an integer seed' })
    .int({ error: 'expected an integer seed' })
    .nonnegative({ error: 'expected a non-negative seed' })
    .default(0),
  /** How many jobs the campaign runs at once (across all workers). */
  concurrency: positiveInt('a positive integer').max(1000).default(32),
  simulations: oneOrMany(sweepSchema).default([]),
  trainings: z.array(trainingSchema).default([]),
  searches: z.array(searchSchema).default([]),
});

export type CampaignSpecInput = z.input<typeof campaignSpecSchema>;
type ParsedSpec = z.output<typeof campaignSpecSchema>;

function normaliseSweep(sweep: ParsedSpec['simulations'][number], index: number): NormalisedSweep {
  const field = `simulations[${index}]`;
  if (sweep.networks !== 'all') checkDistinct(`${field}.networks`, sweep.networks, 'network');
  if (sweep.variants !== 'all') checkDistinct(`${field}.variants`, sweep.variants, 'variant');
  checkDistinct(`${field}.models`, sweep.models, 'timing model');
  checkDistinct(`${field}.hardware`, sweep.hardware, 'hardware');
  checkDistinct(`${field}.dataflows`, sweep.dataflows, 'dataflow');
  const arrays = checkedArrays(`${field}.arrays`, sweep.arrays);
  return {
    name: sweep.name ?? `simulations-${index + 1}`,
    networks: inOrder(NETWORKS, sweep.networks),
    variants: inOrder(VARIANTS, sweep.variants),
    arrays,
    models: inOrder(TIMING_MODELS, sweep.models),
    hardware: inOrder(HARDWARE_CHOICES, sweep.hardware),
    dataflows: inOrder(DATAFLOWS, sweep.dataflows),
    inputSize: sweep.inputSize,
    classes: sweep.classes,
    ...(sweep.stem !== undefined && sweep.stem !== defaultStem(sweep.inputSize) ? { stem: sweep.stem } : {}),
  };
}

/** Validates a parsed YAML/JSON value and returns the normalised spec, or throws a SpecError. */
export function normaliseSpec(input: unknown): NormalisedSpec {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw new SpecError('spec', 'expected a mapping with at least "name" and one of simulations, trainings, searches');
  const parsed = campaignSpecSchema.safeParse(input);
  if (!parsed.success) {
    const { field, problem } = describeZodError(parsed.error);
    throw new SpecError(field, problem);
  }
  const spec = parsed.data;
  const simulations = spec.simulations.map(normaliseSweep);
  const trainings = spec.trainings.map((run, index) => ({ ...run, name: run.name ?? `trainings-${index + 1}` }));
  const searches = spec.searches.map((search, index) => ({ ...search, name: search.name ?? `searches-${index + 1}` }));
  const names = [
    ...simulations.map((s, i) => [`simulations[${i}].name`, s.name]),
    ...trainings.map((t, i) => [`trainings[${i}].name`, t.name]),
    ...searches.map((s, i) => [`searches[${i}].name`, s.name]),
  ];
  const seen = new Map<string, string>();
  for (const [field, value] of names as Array<[string, string]>) {
    const first = seen.get(value);
    if (first) throw new SpecError(field, `duplicate name ${JSON.stringify(value)} (also used by ${first})`);
    seen.set(value, field);
  }
  const normalisedTrainings = trainings.map((run, index) => normaliseTraining(run, index, trainings));
  if (simulations.length + trainings.length + searches.length === 0)
    throw new SpecError('spec', 'expected at least one of simulations, trainings, searches');
  const normalisedSearches = searches.map((search, index) => normaliseSearch(search, index, spec.seed, trainings));
  return {
    version: 1,
    name: spec.name,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    seed: spec.seed,
    concurrency: spec.concurrency,
    simulations,
    trainings: normalisedTrainings,
    searches: normalisedSearches,
  };
}

type ParsedSearch = ParsedSpec['searches'][number] & { name: string };

/**
 * A search entry with its defaults filled (seed: the campaign's; budget: 100, exhaustive: the whole
 * space), operators in canonical order, arrays sorted, and checked by libs/nas itself (space size
 * of exhaustive, population ≤ budget, …) so that a bad search fails at submit, not in a worker.
 */
function normaliseSearch(search: ParsedSearch, index: number, campaignSeed: number, trainings: ParsedTraining[]): NormalisedSearch {
  const field = `searches[${index}]`;
  checkDistinct(`${field}.operators`, search.operators, 'block operator');
  checkDistinct(`${field}.objectives`, search.objectives, 'objective');
  if (search.objectives.includes('accuracy') && search.training === undefined)
    throw new SpecError(
      `${field}.training`,
      'the accuracy objective trains every candidate: give training (dataset, epochs and the other settings of a trainings entry, and one seed)',
    );
  if (search.training !== undefined && !search.objectives.includes('accuracy'))
    throw new SpecError(`${field}.training`, 'only used with the accuracy objective');
  if (search.array !== undefined && search.arrays !== undefined)
    throw new SpecError(`${field}.arrays`, 'give either array or arrays, not both');
  const arrays = checkedArrays(`${field}.arrays`, search.arrays ?? [search.array ?? 64]);
  const objectives = search.objectives as NormalisedSearch['objectives'];
  const base = {
    name: search.name,
    network: search.network,
    space: search.space,
    operators: inOrder(BLOCK_OPERATORS, search.operators),
    arrays,
    strategy: search.strategy,
    objectives,
    seed: search.seed ?? campaignSeed,
    ...(search.population !== undefined ? { population: search.population } : {}),
    ...(search.eta !== undefined ? { eta: search.eta } : {}),
    ...(search.rungs !== undefined ? { rungs: search.rungs } : {}),
  };
  if ((base.eta !== undefined || base.rungs !== undefined) && base.strategy !== 'halving')
    throw new SpecError(`${field}.${base.eta !== undefined ? 'eta' : 'rungs'}`, 'only used with strategy halving');
  const training = search.training && normaliseSearchTraining(`${field}.training`, search.training, { ...base, field }, trainings);
  const confirm = search.confirm && normaliseConfirm(`${field}.confirm`, search.confirm, training);
  if (base.strategy === ZERO_COST_PT)
    return { ...zeroCostPtSearch(field, search, { ...base, strategy: ZERO_COST_PT }, training), ...(confirm ? { confirm } : {}) };
  try {
    const space = makeSpace({ network: base.network, space: base.space, operators: base.operators, arrays: base.arrays });
    const budget =
      search.budget ??
      defaultBudget(
        {
          strategy: base.strategy,
          ...(base.population !== undefined ? { populationSize: base.population } : {}),
          ...(base.eta !== undefined ? { eta: base.eta } : {}),
          ...(base.rungs !== undefined ? { rungs: base.rungs } : {}),
        },
        space,
      );
    createStrategy(strategyOptionsOf({ ...base, budget, ...SEARCH_EVALUATION }, space));
    const constraints = validateConstraints(search.constraints);
    const params = {
      ...base,
      budget,
      ...(training ? { training } : {}),
      ...(confirm ? { confirm } : {}),
      ...(Object.keys(constraints).length ? { constraints } : {}),
    };
    // Refuses bounds no network of the space meets: the workflow's own check, built here once.
    constraintCheckOf({ ...params, ...SEARCH_EVALUATION }, space);
    return params;
  } catch (error) {
    // libs/nas names its own options; the spec calls populationSize `population`.
    if (error instanceof NasInputError)
      throw new SpecError(`${field}.${error.field === 'populationSize' ? 'population' : error.field}`, error.problem);
    throw error;
  }
}

/**
 * A search's `confirm`: seeds distinct and sorted, none of them the seed every candidate was
 * trained at already, and standalone trainings to repeat (a supernet's inherited accuracy is one
 * supernet's, not a network's at a seed).
 */
function normaliseConfirm(
  field: string,
  confirm: { seeds: number[]; fronts?: number | undefined },
  training: SearchTraining | undefined,
): NonNullable<NormalisedSearch['confirm']> {
  if (!training)
    throw new SpecError(field, 'confirmation trains the front again at more seeds: only used with the accuracy objective and training');
  if (training.method === 'supernet')
    throw new SpecError(
      field,
      'method supernet scores networks by inherited accuracy on one supernet, not by trainings at a seed: nothing to confirm',
    );
  checkDistinct(`${field}.seeds`, confirm.seeds, 'seed');
  for (const seed of training.seeds ?? [training.seed])
    if (confirm.seeds.includes(seed))
      throw new SpecError(`${field}.seeds`, `seed ${seed} is a training seed of the search: every candidate is trained at it already`);
  // One front, the default, is left out of the parameters (and so of the key).
  return {
    seeds: [...confirm.seeds].sort((a, b) => a - b),
    ...(confirm.fronts !== undefined && confirm.fronts > 1 ? { fronts: confirm.fronts } : {}),
  };
}

/**
 * A zero-cost-pt search: one network, chosen block by block on a supernet over the search's
 * operators (each block's operators in turn, the one whose removal lowers the mixture's NASWOT most
 * kept) on a minibatch of the training data, then measured like any candidate — trained with the
 * search's training, or scored on its trained supernet with method supernet. Per block, on one
 * array, without constraints or a budget beyond that one network.
 */
function zeroCostPtSearch(
  field: string,
  search: ParsedSearch,
  base: Omit<NormalisedSearch, 'budget' | 'training' | 'constraints'>,
  training: SearchTraining | undefined,
): NormalisedSearch {
  const refuse = (at: string, problem: string): never => {
    throw new SpecError(`${field}.${at}`, problem);
  };
  if (!training)
    refuse('objectives', 'zero-cost-pt chooses a network on a supernet of the training data and measures it: needs accuracy and training');
  if (base.space !== 'blocks') refuse('space', 'zero-cost-pt chooses one operator per block: needs space blocks');
  if (!base.operators.includes('dw'))
    refuse('operators', 'zero-cost-pt needs dw among the operators: the supernet’s shared layers come from it');
  if (base.arrays.length > 1) refuse('arrays', 'zero-cost-pt chooses operators, not arrays: give one array');
  if (search.constraints !== undefined) refuse('constraints', 'zero-cost-pt does not look at latency: it cannot honour constraints');
  if (search.population !== undefined) refuse('population', 'not used with zero-cost-pt');
  if (search.budget !== undefined && search.budget !== 1)
    refuse('budget', 'zero-cost-pt measures the one network it chooses: budget 1 (the default)');
  return { ...base, budget: 1, training: training! };
}

type ParsedTraining = ParsedSpec['trainings'][number] & { name: string };

/** A training entry with variants and seeds expanded and sorted, and its teacher resolved. */
function normaliseTraining(run: ParsedTraining, index: number, all: ParsedTraining[]): NormalisedTraining {
  const field = `trainings[${index}]`;
  if (run.variants === undefined && run.operators === undefined)
    throw new SpecError(`${field}.variants`, 'expected variants, operators (one list of block operators per network), or both');
  if (run.variants !== undefined && run.variants !== 'all') checkDistinct(`${field}.variants`, run.variants, 'variant');
  const operators = run.operators?.map((list, j) => checkBlockOperators(`${field}.operators[${j}]`, run.network, list));
  if (operators) checkDistinct(`${field}.operators`, operators, 'operator list', (list) => list.join(','));
  checkDistinct(`${field}.seeds`, run.seeds, 'seed');
  checkTrainingData(field, run);
  const teacher = resolveTeacher(field, run, all, run);
  const settings = trainingSettings(field, run, run.method);
  return {
    name: run.name,
    ...settings,
    network: run.network,
    // Absent rather than [] when only operators are given: the normalised form must normalise again.
    ...(run.variants !== undefined ? { variants: inOrder(VARIANTS, run.variants) } : {}),
    ...(operators ? { operators } : {}),
    method: run.method,
    ...(teacher ? { teacher } : {}),
    seeds: [...run.seeds].sort((a, b) => a - b),
  };
}

/** What a training (or a search's training) says about its data, network and teacher. */
type TeacherSeeker = Pick<ParsedTraining, 'teacher' | 'dataset' | 'network' | 'dataDir' | 'data' | 'imageSize' | 'limit'> & {
  method: SearchTrainMethodName;
};

/**
 * A kd / nos training's teacher: another training of the spec that trains the baseline from scratch
 * on the same data and network (named, or the first such), or a checkpoint file. `self`: the
 * training asking, which cannot teach itself.
 */
function resolveTeacher(field: string, run: TeacherSeeker, all: ParsedTraining[], self?: ParsedTraining): NormalisedTraining['teacher'] {
  const given = run.teacher;
  // A normalised spec's `{checkpoint}` is a path and `{training, index}` a name (the index checked below).
  const name = typeof given === 'string' ? given : given && 'training' in given ? given.training : undefined;
  const path = typeof given === 'string' ? given : given && 'checkpoint' in given ? given.checkpoint : undefined;
  if (run.method !== 'scratch') {
    const named = name
      ? all.find((other) => other.name === name)
      : given !== undefined
        ? undefined
        : all.find(
            (other) =>
              other !== self &&
              other.method === 'scratch' &&
              other.dataset === run.dataset &&
              other.network === run.network &&
              trainsBaseline(other),
          );
    if (named) {
      const t = all.indexOf(named);
      if (named === self || named.method !== 'scratch' || !trainsBaseline(named)) {
        throw new SpecError(
          `${field}.teacher`,
          `"${named.name}" must be another training with method scratch that trains the baseline variant`,
        );
      }
      if (
        named.dataset !== run.dataset ||
        named.network !== run.network ||
        (named.dataDir ?? '') !== (run.dataDir ?? '') ||
        (named.data ?? '') !== (run.data ?? '') ||
        (named.imageSize ?? 0) !== (run.imageSize ?? 0) ||
        (named.limit ?? 0) !== (run.limit ?? 0)
      ) {
        throw new SpecError(
          `${field}.teacher`,
          `"${named.name}" trains on other data or another network (dataset, dataDir, data, imageSize, limit and network must match)`,
        );
      }
      if (typeof given === 'object' && 'index' in given && given.index !== t)
        throw new SpecError(`${field}.teacher.index`, `the training "${named.name}" is entry ${t} of this spec, not ${given.index}`);
      return { training: named.name, index: t };
    } else if (path && (typeof given === 'object' || path.includes('/') || /\.(json|gz|ckpt)$/.test(path))) {
      return { checkpoint: path };
    } else {
      throw new SpecError(
        `${field}.teacher`,
        `method "${run.method}" needs a teacher: ${name ? `no training named "${name}" in this spec${typeof given === 'string' ? ', and not a checkpoint path' : ''}` : 'add a training of the baseline (method scratch, same dataset and network) or name a checkpoint file'}`,
      );
    }
  } else if (given) {
    throw new SpecError(`${field}.teacher`, `only used with method kd or nos${field.startsWith('searches') ? ' (or supernet)' : ''}`);
  }
  return undefined;
}

/** The data a training names, checked for its data set (shared by trainings and searches' training). */
function checkTrainingData(field: string, run: ParsedTrainingSettings): void {
  if (run.dataset === 'folder' && !run.data)
    throw new SpecError(
      `${field}.data`,
      'the folder dataset needs data, a directory or .tar/.tar.gz archive with train/<class>/… and test/<class>/… that every train worker can read',
    );
  if (run.dataset !== 'folder' && (run.data !== undefined || run.imageSize !== undefined))
    throw new SpecError(`${field}.${run.data !== undefined ? 'data' : 'imageSize'}`, 'only used with dataset folder');
  if (run.dataset === 'cifar10' && !run.dataDir)
    throw new SpecError(
      `${field}.dataDir`,
      'cifar10 needs dataDir, a directory with its binary batches (data_batch_1.bin … test_batch.bin) that every train worker can read',
    );
}

type ParsedTrainingSettings = Omit<
  Pick<ParsedTraining, keyof z.output<typeof searchTrainingSchema> & keyof ParsedTraining>,
  'method' | 'seeds'
>;

/**
 * A training's data and recipe settings in normal form: optional ones only when they change
 * something — the default stem, no augmentation and one replica are absent, so they train, and key,
 * as before each option existed.
 */
function trainingSettings(field: string, run: ParsedTrainingSettings, method: SearchTrainMethodName): TrainingSettings {
  const augment = canonicalAugment(run.augment);
  const replicas = run.replicas ?? 1;
  const replicasWrong = replicasProblem(replicas, method);
  if (replicasWrong) throw new SpecError(`${field}.replicas`, replicasWrong);
  if (replicas > run.batch)
    throw new SpecError(`${field}.replicas`, `${replicas} replicas exceed the batch of ${run.batch} (each needs one image)`);
  const recipe = { optimizer: run.optimizer, lr: run.lr, momentum: run.momentum, weightDecay: run.weightDecay };
  const recipeWrong = recipeProblem(recipe, method);
  if (recipeWrong) throw new SpecError(`${field}.${recipeWrong.field}`, recipeWrong.problem);
  const distillWrong = run.distill && distillProblem(run.distill, method);
  if (distillWrong) throw new SpecError(`${field}.distill.${distillWrong.field}`, distillWrong.problem);
  const distill = run.distill && canonicalDistill(run.distill);
  return {
    dataset: run.dataset,
    ...(run.dataDir ? { dataDir: run.dataDir } : {}),
    ...(run.data ? { data: run.data } : {}),
    ...(run.imageSize !== undefined ? { imageSize: run.imageSize } : {}),
    // Checked against the files, and written when absent, by the service at submission (file-digests.ts).
    ...(run.sha256 && Object.keys(run.sha256).length > 0 ? { sha256: run.sha256 } : {}),
    width: run.width,
    ...(run.stem !== undefined && run.stem !== defaultStemOf(trainingImageSize(run)) ? { stem: run.stem } : {}),
    epochs: run.epochs,
    batch: run.batch,
    ...(run.limit !== undefined ? { limit: run.limit } : {}),
    // Only what augments (crop > 0, flip true): `{}` or `{ crop: 0 }` train, and key, as no augmentation.
    ...(augment ? { augment } : {}),
    // Only above 1: one replica trains, and keys, as before the option existed.
    ...(replicas > 1 ? { replicas } : {}),
    // Only what differs from the default recipe: `lr: 0.05` trains, and keys, as no lr.
    ...canonicalRecipe(recipe),
    // Only the knobs that differ from libs/nos' defaults: `alpha: 0.5` trains, and keys, as none.
    ...(distill ? { distill } : {}),
  };
}

/**
 * A search's `training`: a training entry's settings, method and teacher (resolved as a training's,
 * for the search's network), and its seed (default: the search's).
 */
function normaliseSearchTraining(
  field: string,
  training: z.output<typeof searchTrainingSchema>,
  search: { field: string; network: NetworkName; seed: number; operators: readonly BlockOperator[]; strategy: string },
  all: ParsedTraining[],
): SearchTraining {
  checkTrainingData(field, training);
  const supernet = training.method === 'supernet';
  if (training.recalibrate !== undefined && !supernet) throw new SpecError(`${field}.recalibrate`, 'only used with method supernet');
  if (supernet) {
    if (!search.operators.includes('dw'))
      throw new SpecError(
        `${search.field}.operators`,
        'method supernet needs dw among the operators: the shared layers and the FuSe branches’ initialisation come from it',
      );
    if (search.strategy === 'halving')
      throw new SpecError(`${field}.method`, 'supernet scores every candidate with the one trained supernet: no fidelities for halving');
    if ((training.replicas ?? 1) > 1)
      throw new SpecError(`${field}.replicas`, 'a supernet trains one sampled path per step, without data-parallel replicas');
  }
  const seeds = training.seeds && normaliseTrainingSeeds(field, training.seeds, training.seed, supernet);
  // A supernet starts from a teacher only when one is named (a training of the baseline or a
  // checkpoint): without one its branches start from the same initialisation as standalone networks.
  const teacher =
    supernet && training.teacher === undefined ? undefined : resolveTeacher(field, { ...training, network: search.network }, all);
  return {
    ...trainingSettings(field, training, training.method),
    method: training.method,
    ...(teacher ? { teacher } : {}),
    seed: seeds?.[0] ?? training.seed ?? search.seed,
    ...(seeds ? { seeds } : {}),
    ...(supernet ? { recalibrate: training.recalibrate ?? DEFAULT_RECALIBRATE_BATCHES } : {}),
  };
}

/**
 * A search training's `seeds`: distinct, sorted (the first is its `seed`: the trainings a search
 * at that one seed makes are the same jobs, reused), not beside another `seed`, and standalone
 * trainings to repeat (a supernet is trained once).
 */
function normaliseTrainingSeeds(field: string, seeds: number[], seed: number | undefined, supernet: boolean): number[] {
  if (supernet)
    throw new SpecError(
      `${field}.seeds`,
      'method supernet scores networks by inherited accuracy on one supernet: it has no per-seed trainings',
    );
  checkDistinct(`${field}.seeds`, seeds, 'seed');
  const sorted = [...seeds].sort((a, b) => a - b);
  // The normal form carries both (seed = the first of seeds), so a normalised spec normalises to itself.
  if (seed !== undefined && seed !== sorted[0])
    throw new SpecError(`${field}.seeds`, 'give seed (one) or seeds (each candidate trained at every one), not both');
  return sorted;
}

const trainsBaseline = (run: ParsedTraining) => run.variants === 'all' || (run.variants ?? []).includes('baseline');

/** One network's per-block operators, checked against the network's blocks (count, choices). */
function checkBlockOperators(field: string, network: NetworkName, operators: BlockOperator[]): BlockOperator[] {
  try {
    return validateOperators(networkDefinition(network), operators);
  } catch (error) {
    if (error instanceof InvalidSpecError) throw new SpecError(field, error.problem);
    throw error;
  }
}

/** The default stem for a known image size; `undefined` (unknown size) matches no stem, so one given is kept. */
function defaultStemOf(size: number | undefined) {
  return size === undefined ? undefined : defaultStem(size);
}

/**
 * Paths a spec names that must exist when it is submitted (the folder data sets), checked on this
 * machine: a typo is refused at submit rather than failing in a worker.
 */
export function checkSpecPaths(spec: NormalisedSpec, exists: (path: string) => boolean): void {
  spec.trainings.forEach((run, index) => {
    if (run.data !== undefined && !exists(run.data))
      throw new SpecError(`trainings[${index}].data`, `${run.data}: no such file or directory`);
  });
  spec.searches.forEach((search, index) => {
    const data = search.training?.data;
    if (data !== undefined && !exists(data)) throw new SpecError(`searches[${index}].training.data`, `${data}: no such file or directory`);
  });
}

/** Parses YAML (JSON is YAML too). */
export function parseSpecText(text: string, source = 'spec'): unknown {
  try {
    return parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    throw new SpecError(source, `unreadable YAML/JSON: ${message}`);
  }
}

export function loadSpecText(text: string, source = 'spec'): NormalisedSpec {
  return normaliseSpec(parseSpecText(text, source));
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The canonical hash of a normalised spec. */
export function specHash(spec: NormalisedSpec): string {
  return sha256(stableStringify(spec));
}
