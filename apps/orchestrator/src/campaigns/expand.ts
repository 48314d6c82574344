/**
 * Expanding a normalised campaign spec into job parameters. Pure and dependency-free: the campaign
 * workflow imports it (workflow code must be deterministic and free of I/O), and so do the CLI and
 * the API when they count jobs ahead of a run.
 */

import type { BlockOperator } from '@fuselab/fuseconv';
import type { Constraints, ObjectiveName, SpaceKind } from '@fuselab/nas';
import type { Dataflow, Hardware } from '@fuselab/systolic-sim';
import type { HardwareChoice, JobKind, SearchStrategyName, SearchTrainMethodName, TrainDataset, TrainMethodName } from '../choices.js';
import type { DistillSettings } from './distill.js';
import { hyperparametersOf, type TrainHyperparameters, type TrainRecipe } from './recipe.js';

export type { JobKind } from '../choices.js';

/** Task queue per job kind: training can be routed to big machines only. */
export const TASK_QUEUES = {
  /** Campaign workflows and their bookkeeping activities; every worker polls it. */
  campaign: 'fuselab-campaigns',
  sim: 'fuselab-sim',
  train: 'fuselab-train',
  nas: 'fuselab-nas',
} as const;

export interface SimJobParams {
  network: string;
  variant: string;
  rows: number;
  cols: number;
  model: string;
  hardware: Hardware;
  dataflow: Dataflow;
  inputSize: number;
  numClasses: number;
  /** Only when it is not fuseconv's default for `inputSize`, so earlier jobs keep their keys. */
  stem?: 'imagenet' | 'cifar';
}

export interface JobSpec {
  kind: JobKind;
  /** The sweep/run/search name in the spec that produced the job. */
  group: string;
  params: SimJobParams | TrainJobParams | SearchJobParams | Record<string, unknown>;
  /** Position of a job that must finish first (a training job's teacher). */
  dependsOn?: number;
}

/** A simulation sweep after normalisation: every default filled, `all` expanded, lists sorted. */
export interface NormalisedSweep {
  name: string;
  networks: string[];
  variants: string[];
  arrays: Array<{ rows: number; cols: number }>;
  models: string[];
  /** `paper` pairs the baseline with plain hardware and FuSe variants with the ST-OS array. */
  hardware: HardwareChoice[];
  dataflows: Dataflow[];
  inputSize: number;
  classes: number;
  /** Only when it is not the default for `inputSize` (see SimJobParams). */
  stem?: 'imagenet' | 'cifar';
}

/** A training entry after normalisation: variants expanded and sorted, seeds sorted, teacher resolved. */
export interface NormalisedTraining {
  name: string;
  dataset: TrainDataset;
  dataDir?: string;
  /** folder: the directory or archive (an archive's content is in `sha256`; a directory is keyed by its path). */
  data?: string;
  imageSize?: number;
  /** Set at submission: the sha256 of the files it names (file-digests.ts), so its keys follow their content. */
  sha256?: FileDigests;
  network: string;
  /** Absent when the training gives only `operators`. */
  variants?: string[];
  /** Networks given by their per-block operators (trained as variant `custom`), in the spec's order. */
  operators?: string[][];
  width: number;
  /** Only when it is not the default for the data set's image size (see SimJobParams). */
  stem?: 'imagenet' | 'cifar';
  method: TrainMethodName;
  /** kd / nos: another training of this spec (its baseline job with the same seed), or a checkpoint file. */
  teacher?: { training: string; index: number } | { checkpoint: string };
  epochs: number;
  batch: number;
  limit?: number;
  /** Per-image augmentation of the training images (absent: none). */
  augment?: TrainAugment;
  /** Data-parallel threads per step (absent: 1; see nos' `TrainOptions.replicas`). */
  replicas?: number;
  /** The optimizer recipe, only what differs from the defaults (recipe.ts canonicalRecipe). */
  optimizer?: TrainRecipe['optimizer'];
  lr?: number;
  momentum?: number;
  weightDecay?: number;
  /** kd / nos: the distillation knobs that differ from libs/nos' defaults (distill.ts canonicalDistill). */
  distill?: DistillSettings;
  seeds: number[];
}

/** The sha256 (hex) of the files a training names: an image-folder archive, a teacher checkpoint file. */
export interface FileDigests {
  data?: string;
  teacher?: string;
}

/**
 * Training-set augmentation: random crop after zero-padding `crop` pixels per side, and mirroring
 * left–right with probability ½ (`flip`). The usual CIFAR recipe is `{ crop: 4, flip: true }`.
 */
export interface TrainAugment {
  crop?: number;
  flip?: boolean;
}

/**
 * The augmentation that does something, in a canonical form (undefined when nothing is left): what
 * enters a job's parameters and key, from a spec or from `fuselab train --crop/--flip`.
 */
export function canonicalAugment(augment: { crop?: number | undefined; flip?: boolean | undefined } | undefined): TrainAugment | undefined {
  const crop = augment?.crop ?? 0;
  const flip = augment?.flip ?? false;
  if (crop === 0 && !flip) return undefined;
  return { ...(crop > 0 ? { crop } : {}), ...(flip ? { flip: true } : {}) };
}

/**
 * Why `replicas` data-parallel threads cannot train with `method` (undefined: they can): each thread
 * builds its model from the spec and has no teacher, so KD and NOS train on one. The one rule for the
 * CLI (`--replicas`), campaign specs (`trainings[].replicas`) and the training activity.
 */
export function replicasProblem(replicas: number, method: string): string | undefined {
  if (replicas > 1 && method !== 'scratch')
    return `data-parallel replicas train from scratch only (method ${method} needs its teacher in every replica)`;
  return undefined;
}

/** BatchNorm recalibration batches before a supernet scores a path (`fuselab supernet --recalibrate`, a search's `recalibrate`). */
export const DEFAULT_RECALIBRATE_BATCHES = 20;

export interface TrainJobParams {
  dataset: NormalisedTraining['dataset'];
  dataDir?: string;
  data?: string;
  imageSize?: number;
  /** The content of `data` (an archive) and of a teacher checkpoint file, checked by the worker (file-digests.ts). */
  sha256?: FileDigests;
  network: string;
  /** A named variant, or `custom` with `operators`. */
  variant: string;
  /** Variant `custom`: one operator per searchable block. */
  operators?: string[];
  width: number;
  stem?: NormalisedTraining['stem'];
  method: NormalisedTraining['method'];
  epochs: number;
  batch: number;
  limit?: number;
  augment?: TrainAugment;
  /**
   * Data-parallel threads per step, only when above 1: BatchNorm then normalises each thread's share
   * of the batch on its own, so the result differs from one thread's and the key must say so.
   */
  replicas?: number;
  /** kd / nos: distillation knobs that differ from libs/nos' defaults (absent: all defaults). */
  distill?: DistillSettings;
  seed: number;
  /** The optimizer recipe it trains with (recipe.ts hyperparametersOf: the defaults unless the spec changed them). */
  hyperparameters: TrainHyperparameters;
  /** The teacher job's parameters (its key is derived from them) or a checkpoint file. */
  teacher?: { job: TrainJobParams } | { checkpoint: string };
}

/** What a training entry gives every one of its jobs (and a search every candidate's training). */
export type TrainingSettings = Pick<
  NormalisedTraining,
  | 'dataset'
  | 'dataDir'
  | 'data'
  | 'imageSize'
  | 'sha256'
  | 'width'
  | 'stem'
  | 'epochs'
  | 'batch'
  | 'limit'
  | 'augment'
  | 'replicas'
  | 'distill'
  | keyof TrainRecipe
>;

/** One training job's parameters: the settings, the network and the run. Optional settings enter only when set. */
export function trainJobParams(
  settings: TrainingSettings,
  job: { network: string; variant: string; operators?: string[] | undefined; method: TrainMethodName; seed: number },
): TrainJobParams {
  return {
    dataset: settings.dataset,
    ...(settings.dataDir ? { dataDir: settings.dataDir } : {}),
    ...(settings.data ? { data: settings.data } : {}),
    ...(settings.imageSize !== undefined ? { imageSize: settings.imageSize } : {}),
    // Only in campaigns submitted since file digests (older histories replay with the same parameters).
    ...(settings.sha256 ? { sha256: settings.sha256 } : {}),
    network: job.network,
    variant: job.variant,
    ...(job.operators ? { operators: job.operators } : {}),
    width: settings.width,
    ...(settings.stem ? { stem: settings.stem } : {}),
    method: job.method,
    epochs: settings.epochs,
    batch: settings.batch,
    ...(settings.limit !== undefined ? { limit: settings.limit } : {}),
    ...(settings.augment !== undefined ? { augment: settings.augment } : {}),
    ...(settings.replicas !== undefined ? { replicas: settings.replicas } : {}),
    // kd / nos only (the spec refuses it elsewhere), and only what differs from the defaults.
    ...(settings.distill ? { distill: settings.distill } : {}),
    seed: job.seed,
    hyperparameters: hyperparametersOf(settings),
  };
}

/**
 * How a search with the `accuracy` objective trains each candidate: a training entry's settings
 * for one network (the candidate's per-block operators, variant `custom`) and one seed, from
 * scratch. Every candidate becomes the training job a `trainings` entry with these settings would
 * make (candidateTraining in search.ts), so it shares that job's key: trained once, whichever
 * search or training asks for it.
 */
export interface SearchTraining extends TrainingSettings {
  /** The seed every candidate is trained at; with `seeds`, the first of them. */
  seed: number;
  /**
   * Several seeds (2–10, sorted; absent for one): every candidate trained at each, its accuracy
   * objective their mean. Each is the training job a one-seed search at that seed makes (kd / nos:
   * all with the first seed's teacher, as confirmation trainings are).
   */
  seeds?: number[];
  /** A training method, or `supernet` (one-shot: campaigns/search.ts supernetTraining). */
  method: SearchTrainMethodName;
  /** supernet: training batches whose BatchNorm statistics each scored candidate gets. */
  recalibrate?: number;
  /** kd / nos: a training of this spec (its baseline job with this seed, else its first seed) or a checkpoint file. */
  teacher?: NormalisedTraining['teacher'];
}

/** A search's training in its job's parameters: the teacher named by its job's parameters, as a training job names it. */
export interface SearchJobTraining extends Omit<SearchTraining, 'teacher'> {
  teacher?: TrainJobParams['teacher'];
}

/** A search entry after normalisation: defaults filled, operators in canonical order, arrays sorted. */
export interface NormalisedSearch {
  name: string;
  network: string;
  space: SpaceKind;
  operators: BlockOperator[];
  arrays: Array<{ rows: number; cols: number }>;
  /** A libs/nas strategy, or zero-cost-pt (one network, chosen on a supernet by an activity). */
  strategy: SearchStrategyName;
  objectives: ObjectiveName[];
  budget: number;
  seed: number;
  population?: number;
  /** halving: reduction factor and rungs (libs/nas defaults 3 and 3 when absent). */
  eta?: number;
  rungs?: number;
  /** With the `accuracy` objective (and only then): how each candidate is trained. */
  training?: SearchTraining;
  /** Latency bounds (libs/nas constraints.ts): candidates that miss them are neither evaluated nor trained. */
  constraints?: Constraints;
  /**
   * With `training` (not method supernet): the one-seed front — its first `fronts` non-dominated
   * fronts, only when above 1 — trained again at these seeds (sorted, none the training's).
   */
  confirm?: { seeds: number[]; fronts?: number };
}

/** How searches measure candidates: the paper's networks (224 px, 1000 classes), the reference timing model. */
export const SEARCH_EVALUATION = { model: 'reference', inputSize: 224, numClasses: 1000 } as const;

/**
 * A search job's parameters (hence its key): the search entry without its name, plus the
 * evaluation settings libs/nas defaults to (recorded so the key changes if they ever do).
 */
export interface SearchJobParams extends Omit<NormalisedSearch, 'name' | 'training'> {
  model: 'reference';
  inputSize: number;
  numClasses: number;
  training?: SearchJobTraining;
}

export interface NormalisedSpec {
  version: 1;
  name: string;
  description?: string;
  seed: number;
  concurrency: number;
  simulations: NormalisedSweep[];
  trainings: NormalisedTraining[];
  searches: NormalisedSearch[];
}

/** The hardware a sweep's `hardware` choice means for a variant (`paper`: plain for the baseline, fuse for the rest). */
function hardwareOf(choice: NormalisedSweep['hardware'][number], variant: string): SimJobParams['hardware'] {
  return choice === 'paper' ? (variant === 'baseline' ? 'plain' : 'fuse') : choice;
}

/**
 * A sweep's simulation jobs, one at a time, in its order. Two hardware choices can mean the same
 * hardware for a variant (`paper` and `plain` for the baseline): the job comes once, at the first.
 */
export function* iterateSweep(sweep: NormalisedSweep): Generator<JobSpec> {
  for (const network of sweep.networks)
    for (const variant of sweep.variants)
      for (const model of sweep.models)
        for (const hardware of new Set(sweep.hardware.map((choice) => hardwareOf(choice, variant))))
          for (const dataflow of sweep.dataflows)
            for (const { rows, cols } of sweep.arrays) {
              const params: SimJobParams = {
                network,
                variant,
                rows,
                cols,
                model,
                hardware,
                dataflow,
                inputSize: sweep.inputSize,
                numClasses: sweep.classes,
                ...(sweep.stem ? { stem: sweep.stem } : {}),
              };
              yield { kind: 'sim', group: sweep.name, params };
            }
}

export function expandSweep(sweep: NormalisedSweep): JobSpec[] {
  return [...iterateSweep(sweep)];
}

/**
 * Whether a sweep has a job with these parameters — answered from the sweep's lists, so skipping
 * jobs an earlier sweep already had costs no memory per job (a set of every job seen would).
 */
function sweepHas(sweep: NormalisedSweep, params: SimJobParams): boolean {
  return (
    sweep.inputSize === params.inputSize &&
    sweep.classes === params.numClasses &&
    sweep.stem === params.stem &&
    sweep.networks.includes(params.network as never) &&
    sweep.variants.includes(params.variant as never) &&
    sweep.models.includes(params.model as never) &&
    sweep.dataflows.includes(params.dataflow as never) &&
    sweep.hardware.some((choice) => hardwareOf(choice, params.variant) === params.hardware) &&
    sweep.arrays.some((a) => a.rows === params.rows && a.cols === params.cols)
  );
}

/** Every job of a campaign, in a stable order; jobs that two sweeps share appear once. */
export function expandSpec(spec: NormalisedSpec): JobSpec[] {
  return [...iterateSpec(spec)];
}

/**
 * expandSpec one job at a time (registration streams them into the database): simulations first,
 * then trainings, then searches. Memory: the spec and the training jobs, not the simulations.
 */
export function* iterateSpec(spec: NormalisedSpec): Generator<JobSpec> {
  let position = 0;
  for (const [index, sweep] of spec.simulations.entries()) {
    const earlier = spec.simulations.slice(0, index);
    for (const job of iterateSweep(sweep)) {
      if (earlier.some((other) => sweepHas(other, job.params as SimJobParams))) continue;
      position++;
      yield job;
    }
  }
  // Training jobs: scratch runs first (they may be teachers), then kd / nos students, each after
  // its teacher's job with the same seed (or the teacher training's first seed).
  const trainings = spec.trainings ?? [];
  const positions = new Map<string, number>();
  const trainIds = new Map<string, number>();
  /** Parameters of the training jobs by position (a student's names its teacher's). */
  const trainParams = new Map<number, TrainJobParams>();
  /** The position of the baseline job of training `index` that teaches with `seed` (its own seed, else its first). */
  const teacherPosition = (index: number, seed: number) => {
    const teacherRun = trainings[index]!;
    const teacherSeed = teacherRun.seeds.includes(seed) ? seed : teacherRun.seeds[0]!;
    return positions.get(`${teacherRun.name}/baseline/${teacherSeed}`);
  };
  const order = [...trainings.filter((t) => t.method === 'scratch'), ...trainings.filter((t) => t.method !== 'scratch')];
  for (const run of order) {
    const networks: Array<{ variant: string; operators?: string[]; label: string }> = [
      ...(run.variants ?? []).map((variant) => ({ variant, label: variant })),
      ...(run.operators ?? []).map((operators) => ({ variant: 'custom', operators, label: `custom:${operators.join(',')}` })),
    ];
    for (const { variant, operators, label } of networks) {
      for (const seed of run.seeds) {
        const params = trainJobParams(run, { network: run.network, variant, operators, method: run.method, seed });
        let dependsOn: number | undefined;
        if (run.teacher && 'checkpoint' in run.teacher) params.teacher = { checkpoint: run.teacher.checkpoint };
        else if (run.teacher) {
          const at = teacherPosition(run.teacher.index, seed);
          if (at !== undefined) {
            dependsOn = at;
            params.teacher = { job: trainParams.get(at)! };
          }
        }
        const id = `train:${stableStringify(params)}`;
        const existing = trainIds.get(id);
        if (existing !== undefined) {
          positions.set(`${run.name}/${label}/${seed}`, existing);
          continue;
        }
        trainIds.set(id, position);
        positions.set(`${run.name}/${label}/${seed}`, position);
        trainParams.set(position, params);
        position++;
        yield { kind: 'train', group: run.name, params, ...(dependsOn !== undefined ? { dependsOn } : {}) };
      }
    }
  }
  // Search jobs: one per search entry (a search that another entry repeats runs once).
  const searchIds = new Set<string>();
  for (const search of spec.searches ?? []) {
    const { name, training, ...rest } = search;
    // A search that trains its candidates with a teacher of this spec starts once that job has finished.
    let dependsOn: number | undefined;
    let jobTraining: SearchJobTraining | undefined;
    if (training) {
      const { teacher, ...settings } = training;
      jobTraining = settings;
      if (teacher && 'checkpoint' in teacher) jobTraining.teacher = { checkpoint: teacher.checkpoint };
      else if (teacher) {
        dependsOn = teacherPosition(teacher.index, training.seed);
        if (dependsOn !== undefined) jobTraining.teacher = { job: trainParams.get(dependsOn)! };
      }
    }
    const params: SearchJobParams = {
      ...rest,
      ...(jobTraining ? { training: jobTraining } : {}),
      ...SEARCH_EVALUATION,
    };
    const id = `nas:${stableStringify(params)}`;
    if (searchIds.has(id)) continue;
    searchIds.add(id);
    position++;
    yield { kind: 'nas', group: name, params, ...(dependsOn !== undefined ? { dependsOn } : {}) };
  }
}

export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => stableStringify(item)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableStringify(item)}`).join(',')}}`;
}
