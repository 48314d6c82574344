/**
 * Expanding a normalised campaign spec into job parameters. Pure and dependency-free: the campaign
 * workflow imports it (workflow code must be deterministic and free of I/O), and so do the CLI and
 * the API when they count jobs ahead of a run.
 */

export type JobKind = 'sim' | 'train' | 'nas';

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
  hardware: 'plain' | 'fuse';
  dataflow: 'os' | 'ws' | 'is';
  inputSize: number;
  numClasses: number;
}

export interface JobSpec {
  kind: JobKind;
  /** The sweep/run/search name in the spec that produced the job. */
  group: string;
  params: SimJobParams | Record<string, unknown>;
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
  hardware: Array<'paper' | 'plain' | 'fuse'>;
  dataflows: Array<'os' | 'ws' | 'is'>;
  inputSize: number;
  classes: number;
}

export interface NormalisedSpec {
  version: 1;
  name: string;
  description?: string;
  seed: number;
  concurrency: number;
  simulations: NormalisedSweep[];
  trainings: Array<Record<string, unknown> & { name: string }>;
  searches: Array<Record<string, unknown> & { name: string }>;
}

export function expandSweep(sweep: NormalisedSweep): JobSpec[] {
  const jobs: JobSpec[] = [];
  for (const network of sweep.networks)
    for (const variant of sweep.variants)
      for (const model of sweep.models)
        for (const choice of sweep.hardware)
          for (const dataflow of sweep.dataflows)
            for (const { rows, cols } of sweep.arrays) {
              const hardware = choice === 'paper' ? (variant === 'baseline' ? 'plain' : 'fuse') : choice;
              const params: SimJobParams = { network, variant, rows, cols, model, hardware, dataflow, inputSize: sweep.inputSize, numClasses: sweep.classes };
              jobs.push({ kind: 'sim', group: sweep.name, params });
            }
  return jobs;
}

/** Every job of a campaign, in a stable order; jobs that two sweeps share appear once. */
export function expandSpec(spec: NormalisedSpec): JobSpec[] {
  const seen = new Set<string>();
  const jobs: JobSpec[] = [];
  for (const sweep of spec.simulations) {
    for (const job of expandSweep(sweep)) {
      const id = `${job.kind}:${stableStringify(job.params)}`;
      if (seen.has(id)) continue;
      seen.add(id);
      jobs.push(job);
    }
  }
  // Training and search jobs are expanded here once libs/nos and libs/nas are wired in; the spec
  // validation refuses them until then, so a normalised spec never has any.
  return jobs;
}

/** JSON with object keys sorted at every level: the canonical form that hashes are taken of. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => stableStringify(item)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableStringify(item)}`).join(',')}}`;
}
