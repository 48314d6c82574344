/**
 * The distillation knobs of a KD or NOS training: what a campaign spec (`distill: { alpha,
 * temperature, lambdaOp, anneal, annealFraction, fuseInit }` on a training entry or a search's
 * `training`) and `fuselab train` (`--alpha`, `--temperature`, `--lambda-op`, `--anneal`,
 * `--anneal-fraction`, `--fuse-init`) may change, the one rule that checks them, and libs/nos'
 * options from them.
 *
 * Like the optimizer recipe (recipe.ts) they are sparse: only what differs from the defaults enters
 * a job's parameters (`distill`) and so its key, and a job that changes none of them has the
 * parameters it had before they could be changed. The loss they weigh is libs/nos README's
 * "Distillation": L = (1 − α)·CE + α·T²·KL(teacher ‖ student at T) [+ λ_op·s(t)·MSE of the taps,
 * s(t) annealed from 1 to 0 over the first `annealFraction` of the steps].
 */
import type { FuseInit } from '@fuselab/nos';
import type { SearchTrainMethodName } from '../choices.js';

export const ANNEAL_KINDS = ['cosine', 'linear', 'none'] as const;
export type AnnealKind = (typeof ANNEAL_KINDS)[number];

/** libs/nos' FUSE_INITS, spelled here so that reading a spec does not load tfjs (the type import checks they agree). */
export const FUSE_INITS = ['seeded', 'depthwise'] as const satisfies readonly FuseInit[];

/**
 * libs/nos' defaults (DistillOptions, NosOptions), which every KD / NOS job used before these knobs —
 * except fuseInit: NOS students started from seeded FuSe kernels until it existed (libs/nos' code is
 * part of every training key, so those jobs are not reused for the new default).
 */
export const DISTILL_DEFAULTS = {
  alpha: 0.5,
  temperature: 4,
  lambdaOp: 1,
  anneal: 'cosine',
  annealFraction: 0.5,
  fuseInit: 'depthwise',
} as const;

export interface DistillSettings {
  /** Weight of the logit-distillation term, the task loss gets 1 − α (kd, nos; default 0.5). */
  alpha?: number;
  /** Softmax temperature T (kd, nos; default 4). */
  temperature?: number;
  /** λ_op, the scaffold (operator-loss) weight at the start (nos; default 1; 0 makes NOS KD from a teacher-initialised student). */
  lambdaOp?: number;
  /** How the scaffold weight falls to 0 (nos; default cosine; none keeps it at λ_op throughout). */
  anneal?: AnnealKind;
  /** The fraction of the steps over which it falls (nos; default 0.5). */
  annealFraction?: number;
  /**
   * Where the student's FuSe kernels start (nos; default depthwise: the teacher's depthwise kernels'
   * centre row and column, fuseconv's `scaffoldStage`; seeded: their own initialisation, the only
   * choice before this knob existed).
   */
  fuseInit?: (typeof FUSE_INITS)[number];
}

/** The settings in the order they are checked and shown; the CLI flag of each (distillProblem's field). */
export const DISTILL_FIELDS = ['alpha', 'temperature', 'lambdaOp', 'anneal', 'annealFraction', 'fuseInit'] as const satisfies ReadonlyArray<
  keyof DistillSettings
>;
export const DISTILL_FLAGS: Record<(typeof DISTILL_FIELDS)[number], string> = {
  alpha: '--alpha',
  temperature: '--temperature',
  lambdaOp: '--lambda-op',
  anneal: '--anneal',
  annealFraction: '--anneal-fraction',
  fuseInit: '--fuse-init',
};

/** Largest temperature and λ_op accepted: far beyond any useful value, so a typo is caught. */
export const MAX_TEMPERATURE = 100;
export const MAX_LAMBDA_OP = 1000;

const NOS_ONLY: ReadonlyArray<keyof DistillSettings> = ['lambdaOp', 'anneal', 'annealFraction', 'fuseInit'];

/**
 * What is wrong with distillation settings for a training of `method` (undefined: nothing): the
 * field and the problem. The one rule for the spec (SpecError at `<entry>.distill.<field>`) and
 * `fuselab train` (UsageError at the flag). An unknown anneal never gets here: the spec's schema and
 * the CLI's `oneOf` refuse it against ANNEAL_KINDS first (a fuseInit against FUSE_INITS).
 */
export function distillProblem(
  settings: DistillSettings,
  method: SearchTrainMethodName,
): { field: keyof DistillSettings; problem: string } | undefined {
  const given = DISTILL_FIELDS.filter((field) => settings[field] !== undefined);
  if (given.length === 0) return undefined;
  if (method !== 'kd' && method !== 'nos')
    return { field: given[0]!, problem: `only used with method kd or nos (this training is ${method})` };
  const nosOnly = given.find((field) => NOS_ONLY.includes(field));
  if (method === 'kd' && nosOnly) return { field: nosOnly, problem: 'only used with method nos (kd has no scaffold)' };
  const { alpha, temperature, lambdaOp, anneal, annealFraction } = settings;
  const finite = (value: number) => Number.isFinite(value);
  if (alpha !== undefined && !(finite(alpha) && alpha >= 0 && alpha <= 1))
    return { field: 'alpha', problem: `expected a weight from 0 to 1, got ${JSON.stringify(alpha)}` };
  if (temperature !== undefined && !(finite(temperature) && temperature > 0 && temperature <= MAX_TEMPERATURE))
    return {
      field: 'temperature',
      problem: `expected a temperature above 0 and at most ${MAX_TEMPERATURE}, got ${JSON.stringify(temperature)}`,
    };
  if (lambdaOp !== undefined && !(finite(lambdaOp) && lambdaOp >= 0 && lambdaOp <= MAX_LAMBDA_OP))
    return { field: 'lambdaOp', problem: `expected a weight from 0 to ${MAX_LAMBDA_OP}, got ${JSON.stringify(lambdaOp)}` };
  if (annealFraction !== undefined && !(finite(annealFraction) && annealFraction > 0 && annealFraction <= 1))
    return {
      field: 'annealFraction',
      problem: `expected a fraction of the steps above 0 and at most 1, got ${JSON.stringify(annealFraction)}`,
    };
  if (annealFraction !== undefined && anneal === 'none')
    return { field: 'annealFraction', problem: 'anneal none keeps the scaffold weight throughout: there is no fraction to anneal over' };
  return undefined;
}

/** The settings without the defaults (undefined when nothing is left): what a normalised spec and a job's parameters hold. */
export function canonicalDistill(settings: DistillSettings): DistillSettings | undefined {
  const canonical: DistillSettings = {};
  for (const field of DISTILL_FIELDS) {
    const value = settings[field];
    if (value !== undefined && value !== DISTILL_DEFAULTS[field]) (canonical as Record<string, unknown>)[field] = value;
  }
  return Object.keys(canonical).length > 0 ? canonical : undefined;
}

/** Every knob's value for a run (the defaults where the settings say nothing). */
export function distillValues(settings: DistillSettings | undefined): Required<DistillSettings> {
  const values: Required<DistillSettings> = { ...DISTILL_DEFAULTS };
  for (const field of DISTILL_FIELDS) if (settings?.[field] !== undefined) (values as Record<string, unknown>)[field] = settings[field];
  return values;
}

/**
 * The knobs as words for logs ("KD α 0.5, T 4" / "NOS α 0.5, T 4, λ_op 1, cosine anneal over 0.5 of
 * the steps", then ", FuSe kernels seeded" when they do not start from the teacher's depthwise).
 */
export function describeDistill(method: 'kd' | 'nos', settings: DistillSettings | undefined): string {
  const d = distillValues(settings);
  const kd = `α ${d.alpha}, T ${d.temperature}`;
  if (method === 'kd') return `KD ${kd}`;
  const anneal = d.anneal === 'none' ? 'no anneal' : `${d.anneal} anneal over ${d.annealFraction} of the steps`;
  return `NOS ${kd}, λ_op ${d.lambdaOp}, ${anneal}${d.fuseInit === 'seeded' ? ', FuSe kernels seeded' : ''}`;
}
