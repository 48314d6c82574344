/**
 * The orchestrator's own lists of names, each defined once; zod enums (campaign specs) and
 * commander choices (flags) are derived from them. The libraries export theirs (NETWORKS,
 * VARIANTS, BLOCK_OPERATORS, TIMING_MODELS, DATAFLOWS, HARDWARE_KINDS, SPACE_KINDS, STRATEGIES,
 * OBJECTIVES). No Node imports: workflow code and the CLI's fast paths import it.
 */
import { STRATEGIES } from '@fuselab/nas';
import { HARDWARE_KINDS } from '@fuselab/systolic-sim';

/** A sweep's hardware: `paper` pairs the baseline with plain arrays and FuSe variants with ST-OS ones. */
export const HARDWARE_CHOICES = ['paper', ...HARDWARE_KINDS] as const;
export type HardwareChoice = (typeof HARDWARE_CHOICES)[number];

/** Data sets the orchestrator loads for training (train/training.ts reads their files). */
export const TRAIN_DATASETS = ['fashion-mnist', 'cifar10', 'synthetic', 'folder'] as const;
export type TrainDataset = (typeof TRAIN_DATASETS)[number];

/** From scratch, knowledge distillation, Neural Operator Scaffolding (libs/nos). */
export const TRAIN_METHODS = ['scratch', 'kd', 'nos'] as const;
export type TrainMethodName = (typeof TRAIN_METHODS)[number];

/**
 * How a search with the `accuracy` objective measures candidates: each trained by one of
 * TRAIN_METHODS, or `supernet` — one weight-sharing supernet trained once, every candidate scored
 * by its inherited accuracy (one-shot, libs/nas `@fuselab/nas/supernet`).
 */
/**
 * Campaign search strategies: libs/nas' ask/tell strategies, and `zero-cost-pt` — one network
 * chosen per block by perturbing a supernet's mixture (Zero-Cost-PT, libs/nas
 * `@fuselab/nas/supernet`), which needs tfjs and so runs as an activity, not in workflow code.
 */
export const ZERO_COST_PT = 'zero-cost-pt';
export const SEARCH_STRATEGIES = [...STRATEGIES, ZERO_COST_PT] as const;
export type SearchStrategyName = (typeof SEARCH_STRATEGIES)[number];

export const SEARCH_TRAIN_METHODS = [...TRAIN_METHODS, 'supernet'] as const;
export type SearchTrainMethodName = (typeof SEARCH_TRAIN_METHODS)[number];

export const TRAIN_OPTIMIZERS = ['sgd', 'adam'] as const;
export type TrainOptimizerName = (typeof TRAIN_OPTIMIZERS)[number];

/** Kinds of job; each runs on its own task queue (campaigns/expand.ts TASK_QUEUES), which workers choose. */
export const JOB_KINDS = ['sim', 'train', 'nas'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
