/**
 * The activity interfaces the campaign workflow calls (types only: workflow code imports nothing
 * with I/O). Each kind of job has its own task queue, so training can go to big machines only.
 */
import type { JobSpec, SimJobParams } from '../campaigns/expand.js';

export interface RegisteredJob {
  key: string;
  status: 'pending' | 'running' | 'completed' | 'failed' | 'reused' | 'cancelled';
}

/** Bookkeeping on the `fuselab-campaigns` queue. */
export interface CampaignActivities {
  registerJobs(input: { campaignId: string; jobs: JobSpec[]; force: boolean }): Promise<RegisteredJob[]>;
  failJob(input: { campaignId: string; key: string; error: string }): Promise<void>;
  finishCampaign(input: { campaignId: string; status: 'completed' | 'failed' | 'cancelled'; error?: string }): Promise<void>;
}

export interface SimJobInput {
  campaignId: string;
  key: string;
  params: SimJobParams;
  force: boolean;
}

/** Simulation jobs on the `fuselab-sim` queue. */
export interface SimActivities {
  runSimulation(input: SimJobInput): Promise<{ key: string; totalCycles: number; worker: string }>;
}

/**
 * Training (`fuselab-train`) and search (`fuselab-nas`) activities plug in here once libs/nos and
 * libs/nas land: `runTraining` heartbeats its progress and latest checkpoint (stored in the
 * database) so that a retried attempt on any worker resumes; searches run as child workflows that
 * drive the ask/tell loop with one activity per evaluation.
 */
export interface TrainActivities {
  runTraining(input: { campaignId: string; key: string; params: Record<string, unknown> }): Promise<{ key: string }>;
}
