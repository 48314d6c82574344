/**
 * The activity interfaces the campaign workflow calls (types only: workflow code imports nothing
 * with I/O). Each kind of job has its own task queue, so training can go to big machines only.
 */
import type { JobSpec, NormalisedSpec, SearchJobParams, SimJobParams } from '../campaigns/expand.js';
import type { SeedTraining } from '../store/searches.js';

export interface RegisteredJob {
  key: string;
  status: 'pending' | 'running' | 'completed' | 'failed' | 'reused' | 'cancelled';
}

/** Half-open ranges [start, end) of job positions: compact for campaigns of any size. */
export type PositionRanges = Array<[number, number]>;

export interface RegisteredCampaign {
  total: number;
  reused: number;
  /** Jobs already completed by an earlier attempt of this campaign (a re-registration). */
  completed: number;
  /** Positions still to run. */
  todo: PositionRanges;
  /**
   * How many jobs of each kind the campaign has, in position order (simulations first, then
   * trainings, then searches), and each student training's teacher as [student, teacher]: what the
   * workflow needs (v4) to run the jobs without expanding the spec itself.
   */
  kinds?: { sim: number; train: number; nas: number };
  teachers?: Array<[number, number]>;
}

export interface CampaignCounts {
  total: number;
  completed: number;
  failed: number;
  reused: number;
  cancelled: number;
}

/** Bookkeeping on the `fuselab-campaigns` queue. */
export interface CampaignActivities {
  /** v1 (recorded histories): the workflow sends every job and gets every key back. */
  registerJobs(input: { campaignId: string; jobs: JobSpec[]; force: boolean }): Promise<RegisteredJob[]>;
  failJob(input: { campaignId: string; key: string; error: string }): Promise<void>;
  /** v2: the activity expands the spec itself; the workflow gets counts and the positions to run. */
  registerCampaign(input: { campaignId: string; spec: NormalisedSpec; force: boolean }): Promise<RegisteredCampaign>;
  /** Marks the jobs at these positions failed unless they completed; returns how many it marked. */
  failJobs(input: { campaignId: string; positions?: number[]; ranges?: PositionRanges; error: string }): Promise<number>;
  /** Returns the job counts the database ends with (v1 ignores them). */
  finishCampaign(input: {
    campaignId: string;
    status: 'completed' | 'failed' | 'cancelled';
    error?: string;
  }): Promise<CampaignCounts | void>;
}

export interface SimJobInput {
  campaignId: string;
  key: string;
  params: SimJobParams;
  force: boolean;
}

export interface SimBatchInput {
  campaignId: string;
  /** v2: job positions in the campaign; the activity reads their keys and parameters from the database. */
  positions?: number[];
  /** v4: the same as half-open ranges (a chunk of a plain sweep is one range). */
  ranges?: PositionRanges;
  force: boolean;
}

export interface SimBatchResult {
  completed: number;
  failed: number;
}

/** Simulation jobs on the `fuselab-sim` queue. */
export interface SimActivities {
  /** v1: one job per activity. */
  runSimulation(input: SimJobInput): Promise<{ key: string; totalCycles: number; worker: string }>;
  /**
   * v2: a chunk of jobs per activity, heartbeating after every flush to SQL (details: how many of
   * the chunk are stored), idempotent per job key: a retry skips nothing it must not and stores
   * nothing twice.
   */
  runSimulationBatch(input: SimBatchInput): Promise<SimBatchResult>;
}

export interface TrainJobInput {
  campaignId: string;
  position: number;
  force: boolean;
}

export interface TrainJobResult {
  key: string;
  testAccuracy: number | null;
  epochs: number;
  resumedFrom: number | null;
  /**
   * Set when this activity did not train: another activity held the training's claim (its
   * workflow/run/activity id, training-claim.ts) and this one waited for its stored result.
   */
  waitedFor?: string;
}

/** A search's supernet training (trainSearchSupernet); `waitedFor` as in TrainJobResult. */
export interface SupernetTrainResult {
  key: string;
  epochs: number;
  waitedFor?: string;
}

/**
 * Training jobs on the `fuselab-train` queue: `runTraining` heartbeats its progress and the step
 * of its latest checkpoint (stored in the database), so a retried attempt on any worker resumes.
 */
export interface TrainActivities {
  runTraining(input: TrainJobInput): Promise<TrainJobResult>;
  /**
   * Trains one candidate of a search with the `accuracy` objective (campaigns/search.ts
   * candidateTraining gives its job parameters and key) — or answers from SQL when a job with that
   * key has finished, in this campaign or any other, or waits for it while another activity trains
   * it (training-claim.ts). Resumes from its checkpoints like runTraining.
   */
  trainSearchCandidate(input: {
    campaignId: string;
    /** The search job (recorded with the training in search_trainings; absent in inputs scheduled before it was). */
    jobKey?: string;
    params: SearchJobParams;
    candidate: SearchCandidateValue;
    /** A confirmation training (the search's `confirm`): this seed instead of the search's training seed. */
    seed?: number;
  }): Promise<TrainJobResult>;
  /**
   * Trains the supernet of a search with training method `supernet` (campaigns/search.ts
   * supernetTraining), stored like a training (metrics, result, the supernet as its checkpoint) and
   * recorded with the search — or answers from SQL when one with that key is stored, in any campaign,
   * or waits for it while another activity trains it (training-claim.ts).
   */
  trainSearchSupernet(input: { campaignId: string; jobKey: string; params: SearchJobParams }): Promise<SupernetTrainResult>;
  /** Each path's inherited test accuracy on the stored supernet `supernetKey`, after BatchNorm recalibration (in order). */
  scoreSupernetCandidates(input: {
    campaignId: string;
    jobKey: string;
    params: SearchJobParams;
    supernetKey: string;
    paths: string[][];
  }): Promise<number[]>;
  /**
   * A zero-cost-pt search's one network: Zero-Cost-PT on the stored supernet `supernetKey` (then
   * with its inherited accuracy), or without one on an untrained supernet of the search's seed.
   */
  selectByZeroCostPt(input: {
    campaignId: string;
    jobKey: string;
    params: SearchJobParams;
    supernetKey?: string;
  }): Promise<{ operators: string[]; evaluations: number; seconds: number; accuracy?: number }>;
}

export interface SearchCandidateValue {
  operators: string[];
  array?: { rows: number; cols: number; hardware: 'plain' | 'fuse' };
  /** Multi-fidelity strategies' early rungs (halving): the fraction of the full evaluation. */
  fidelity?: number;
}

/**
 * Search jobs on the `fuselab-nas` queue. The search workflow keeps the strategy (ask/tell in
 * workflow code); these evaluate candidates and write candidates, fronts and the result to SQL,
 * each idempotent per (job key, candidate key) / (job key, generation) / job key.
 */
export interface SearchActivities {
  /** Reads the job (key, parameters), marks it running; with force (first run only) drops what an earlier run stored. */
  startSearch(input: { campaignId: string; position: number; force: boolean }): Promise<{ key: string; params: SearchJobParams }>;
  /** Evaluates one candidate (libs/nas evaluateCandidate) and stores it once; a stored candidate is answered from SQL. */
  evaluateSearchCandidate(input: {
    campaignId: string;
    jobKey: string;
    params: SearchJobParams;
    index: number;
    generation: number;
    candidate: SearchCandidateValue;
    /**
     * The `accuracy` objective: the candidate's trained test accuracy and the key of that training
     * job; with several training `seeds`, the mean accuracy, the first seed's key and every seed's.
     */
    trained?: TrainedCandidate;
  }): Promise<Record<string, number>>;
  /** The front of every candidate stored so far, stored as the front after `generation`; returns its size. */
  recordSearchFront(input: {
    jobKey: string;
    params: SearchJobParams;
    generation: number;
  }): Promise<{ evaluations: number; front: number }>;
  /** What a search's `confirm` trains again: the distinct networks (per-block operators, array aside) of the stored candidates' leading fronts. */
  frontNetworks(input: { jobKey: string; params: SearchJobParams }): Promise<string[][]>;
  /**
   * Stores the finished search once and completes the job; with `confirm`, the front confirmed by
   * `confirmations` (one per front network and confirmation seed).
   */
  finishSearch(input: {
    campaignId: string;
    jobKey: string;
    params: SearchJobParams;
    generations: number;
    runs: number;
    confirmations?: Confirmation[];
  }): Promise<{ evaluations: number; front: number }>;
}

/** A candidate's training(s) for the `accuracy` objective, as the search workflow passes them on. */
export interface TrainedCandidate {
  key: string;
  testAccuracy: number;
  /** Training `seeds`: each seed's training, in seed order (`testAccuracy` is their mean). */
  seeds?: SeedTraining[];
}

/** A front network trained again at a confirmation seed (the search's `confirm`). */
export interface Confirmation {
  operators: string[];
  seed: number;
  /** The training job's key and its test accuracy (a fraction). */
  key: string;
  testAccuracy: number;
}
