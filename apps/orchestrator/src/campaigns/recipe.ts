/**
 * A training's optimizer recipe: what a campaign spec (`optimizer`, `lr`, `momentum`, `weightDecay`
 * on a training entry or a search's `training`) and `fuselab train` (`--optimizer`, `--lr`,
 * `--momentum`, `--weight-decay`) may change, the one rule that checks it, and the hyperparameters
 * a job records from it.
 *
 * A recipe is sparse: only what differs from the defaults (canonicalRecipe), so a spec that spells a
 * default out normalises, keys and trains exactly as one that leaves it out, and every job made
 * before these options existed keeps its key. The job's `hyperparameters` are the full record
 * (hyperparametersOf): what the training runs with, part of its key.
 */
import type { SearchTrainMethodName, TrainOptimizerName } from '../choices.js';

/**
 * The default recipe: SGD with heavy-ball momentum 0.9, learning rate 0.05 decayed by a cosine per
 * step, L2 weight decay 5e-5 on kernels — close to torchvision's MobileNetV2 recipe (lr 0.045, wd
 * 4e-5) and bitwise resumable (libs/nos README, "Parity with PyTorch").
 */
export const TRAINING_HYPERPARAMETERS = {
  optimizer: 'sgd',
  momentum: 0.9,
  learningRate: 0.05,
  schedule: 'cosine',
  weightDecay: 5e-5,
} as const;

/** Adam's settings when a run asks for it (libs/nos README's example); only its learning rate and weight decay change. */
export const ADAM_DEFAULTS = { learningRate: 0.005, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;

/** What a training may change of the default recipe (absent: the default). */
export interface TrainRecipe {
  optimizer?: TrainOptimizerName;
  /** Base learning rate (default 0.05 for SGD, 0.005 for Adam), decayed by the cosine schedule. */
  lr?: number;
  /** SGD only (default 0.9). */
  momentum?: number;
  /** L2 on kernels (default 5e-5). */
  weightDecay?: number;
}

/** The full hyperparameters of a training job (its `hyperparameters`, part of its key). */
export type TrainHyperparameters =
  | { optimizer: 'sgd'; momentum: number; learningRate: number; schedule: 'cosine'; weightDecay: number }
  | {
      optimizer: 'adam';
      beta1: number;
      beta2: number;
      epsilon: number;
      learningRate: number;
      schedule: 'cosine';
      weightDecay: number;
    };

/** Largest learning rate accepted: far above any that trains these networks, so a typo is caught. */
export const MAX_LEARNING_RATE = 10;

/** The CLI flag of each setting (recipeProblem's field, for `fuselab train` and `fuselab supernet`). */
export const RECIPE_FLAGS: Record<keyof TrainRecipe, string> = {
  optimizer: '--optimizer',
  lr: '--lr',
  momentum: '--momentum',
  weightDecay: '--weight-decay',
};

/**
 * What is wrong with a recipe for a training of `method` (undefined: nothing): the field and the
 * problem. The one rule for the spec (SpecError at `<entry>.<field>`) and `fuselab train`
 * (UsageError at the flag). An unknown optimizer name never gets here: the spec's schema and the
 * CLI's `oneOf` refuse it against TRAIN_OPTIMIZERS first.
 */
export function recipeProblem(
  recipe: TrainRecipe,
  method: SearchTrainMethodName,
): { field: keyof TrainRecipe; problem: string } | undefined {
  const { optimizer, lr, momentum, weightDecay } = recipe;
  if (lr !== undefined && !(Number.isFinite(lr) && lr > 0 && lr <= MAX_LEARNING_RATE))
    return { field: 'lr', problem: `expected a learning rate above 0 and at most ${MAX_LEARNING_RATE}, got ${JSON.stringify(lr)}` };
  if (momentum !== undefined && !(Number.isFinite(momentum) && momentum >= 0 && momentum < 1))
    return { field: 'momentum', problem: `expected a momentum from 0 up to (not including) 1, got ${JSON.stringify(momentum)}` };
  if (weightDecay !== undefined && !(Number.isFinite(weightDecay) && weightDecay >= 0 && weightDecay < 1))
    return {
      field: 'weightDecay',
      problem: `expected a weight decay from 0 up to (not including) 1, got ${JSON.stringify(weightDecay)}`,
    };
  if (optimizer === 'adam' && momentum !== undefined)
    return { field: 'momentum', problem: `only used with optimizer sgd (Adam's β₁ is fixed at ${ADAM_DEFAULTS.beta1})` };
  if (optimizer === 'adam' && method === 'supernet')
    return { field: 'optimizer', problem: 'a supernet trains with SGD-momentum only (libs/nas trainSupernet)' };
  return undefined;
}

/**
 * The recipe without what is the default (undefined when nothing is left): what a normalised spec
 * holds, so `lr: 0.05` or `optimizer: sgd` key and train as their absence. Checked first
 * (recipeProblem).
 */
export function canonicalRecipe(recipe: TrainRecipe): TrainRecipe | undefined {
  const adam = recipe.optimizer === 'adam';
  const defaultLr = adam ? ADAM_DEFAULTS.learningRate : TRAINING_HYPERPARAMETERS.learningRate;
  const canonical: TrainRecipe = {
    ...(adam ? { optimizer: 'adam' as const } : {}),
    ...(recipe.lr !== undefined && recipe.lr !== defaultLr ? { lr: recipe.lr } : {}),
    ...(recipe.momentum !== undefined && recipe.momentum !== TRAINING_HYPERPARAMETERS.momentum ? { momentum: recipe.momentum } : {}),
    ...(recipe.weightDecay !== undefined && recipe.weightDecay !== TRAINING_HYPERPARAMETERS.weightDecay
      ? { weightDecay: recipe.weightDecay }
      : {}),
  };
  return Object.keys(canonical).length > 0 ? canonical : undefined;
}

/**
 * A job's full hyperparameters from a canonical recipe (or settings holding one; absent fields are
 * the defaults): the defaults' own object when nothing changes.
 */
export function hyperparametersOf(recipe: TrainRecipe | undefined): TrainHyperparameters {
  const weightDecay = recipe?.weightDecay ?? TRAINING_HYPERPARAMETERS.weightDecay;
  if (recipe?.optimizer === 'adam') {
    const { learningRate, beta1, beta2, epsilon } = ADAM_DEFAULTS;
    return { optimizer: 'adam', beta1, beta2, epsilon, learningRate: recipe.lr ?? learningRate, schedule: 'cosine', weightDecay };
  }
  if (recipe?.lr === undefined && recipe?.momentum === undefined && recipe?.weightDecay === undefined) return TRAINING_HYPERPARAMETERS;
  return {
    ...TRAINING_HYPERPARAMETERS,
    momentum: recipe?.momentum ?? TRAINING_HYPERPARAMETERS.momentum,
    learningRate: recipe?.lr ?? TRAINING_HYPERPARAMETERS.learningRate,
    weightDecay,
  };
}

/** A recipe as words for logs and summaries ("SGD lr 0.05, momentum 0.9, weight decay 5e-5, cosine"). */
export function describeHyperparameters(h: TrainHyperparameters): string {
  const optimizer = h.optimizer === 'sgd' ? `SGD lr ${h.learningRate}, momentum ${h.momentum}` : `Adam lr ${h.learningRate}`;
  return `${optimizer}, weight decay ${h.weightDecay}, ${h.schedule}`;
}
