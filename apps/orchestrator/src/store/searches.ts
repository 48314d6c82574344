/** Search jobs' rows: every evaluated candidate once, the front after each generation, the result. */
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from './db.js';
import { jobs, searchCandidates, searchFronts, searchResults, searchTrainings } from './schema.js';
import { completeJobs, ofCampaign } from './jobs.js';
import { iso } from './rows.js';

export interface SearchCandidateInput {
  jobKey: string;
  candidateIndex: number;
  candidateKey: string;
  generation: number;
  operators: string[];
  array?: { rows: number; cols: number; hardware: string } | null;
  objectives: Record<string, number>;
  /** The training job behind its `accuracy` (null without that objective); with training `seeds`, the first seed's. */
  trainingKey?: string | null;
  /** Training `seeds`: each seed's training and test accuracy, in seed order (null for one seed). */
  seedTrainings?: SeedTraining[] | null;
  /** Below a full evaluation (null: full). */
  fidelity?: number | null;
  worker?: string | null;
}

export interface SearchCandidateRow extends SearchCandidateInput {
  array: { rows: number; cols: number; hardware: string } | null;
  trainingKey: string | null;
  seedTrainings: SeedTraining[] | null;
  fidelity: number | null;
  worker: string | null;
  createdAt: Date;
}

/** A candidate's training at one of its search's training seeds. */
export interface SeedTraining {
  seed: number;
  key: string;
  testAccuracy: number;
}

/**
 * A front confirmed over more seeds (libs/nas confirmFront, stored as plain data): every network
 * of the one-seed front with its test accuracy (a fraction) and training per seed — the search's
 * own seed first — their mean and sample deviation, its objectives with `accuracy` the negated
 * mean, and whether it is on the front of the means.
 */
export interface ConfirmedSearchFront {
  seeds: number[];
  networks: Array<{
    key: string;
    operators: string[];
    array?: unknown;
    objectives: Record<string, number>;
    accuracies: number[];
    trainingKeys: string[];
    mean: number;
    sd: number | null;
    onFront: boolean;
  }>;
}

export interface SearchResultInput {
  jobKey: string;
  network: string;
  space: string;
  strategy: string;
  objectives: string[];
  evaluations: number;
  generations: number;
  runs: number;
  front: Array<{ key: string; operators: string[]; objectives: Record<string, number>; array?: unknown }>;
  /** Only for a search with `confirm` (null otherwise). */
  confirmed?: ConfirmedSearchFront | null;
}

export interface SearchResultRow extends SearchResultInput {
  /** The search's name in the campaign spec (null when listed across campaigns). */
  name: string | null;
  /** Training `seeds` (listed by campaign only): the `accuracy` objective is the mean over them. */
  trainingSeeds?: number[];
  codeVersion: string;
  worker: string | null;
  createdAt: string;
}

/** A stored candidate of a search job (an earlier attempt or run evaluated it). */
export async function searchCandidate(db: Db, jobKey: string, candidateKey: string) {
  const [row] = await db
    .select()
    .from(searchCandidates)
    .where(and(eq(searchCandidates.jobKey, jobKey), eq(searchCandidates.candidateKey, candidateKey)));
  return row;
}

/** Records that a search job trains `trainingKey` (with these training job parameters); once per pair. */
export async function recordSearchTraining(db: Db, jobKey: string, trainingKey: string, params: unknown): Promise<void> {
  await db.insert(searchTrainings).values({ jobKey, trainingKey, params }).onConflictDoNothing();
}

/** The trainings search jobs recorded (the campaign's, or every one). */
export async function searchTrainingRows(db: Db, campaignId?: string) {
  return db
    .select()
    .from(searchTrainings)
    .where(ofCampaign(db, searchTrainings.jobKey, campaignId))
    .orderBy(asc(searchTrainings.jobKey), asc(searchTrainings.createdAt));
}

/** Stores an evaluated candidate once (by index and by candidate key). */
export async function saveSearchCandidate(db: Db, row: SearchCandidateInput): Promise<void> {
  await db.insert(searchCandidates).values(row).onConflictDoNothing();
}

/** Every candidate of a search job, in evaluation order. */
export async function searchCandidateRows(db: Db, jobKey: string): Promise<SearchCandidateRow[]> {
  const rows = await db
    .select()
    .from(searchCandidates)
    .where(eq(searchCandidates.jobKey, jobKey))
    .orderBy(asc(searchCandidates.candidateIndex));
  return rows as SearchCandidateRow[];
}

export async function saveSearchFront(db: Db, jobKey: string, generation: number, evaluations: number, front: unknown): Promise<void> {
  await db.insert(searchFronts).values({ jobKey, generation, evaluations, front }).onConflictDoNothing();
}

/** Search fronts of a campaign, one row per job and generation (the front after it). */
export async function searchFrontRows(db: Db, campaignId?: string, limit?: number) {
  const query = db
    .select()
    .from(searchFronts)
    .where(ofCampaign(db, searchFronts.jobKey, campaignId))
    .orderBy(asc(searchFronts.jobKey), asc(searchFronts.generation))
    .$dynamic();
  return limit === undefined ? query : query.limit(limit);
}

/** Stores a finished search once and completes its job. */
export async function saveSearchResult(
  db: Db,
  campaignId: string,
  result: SearchResultInput,
  codeVersion: string,
  worker: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .insert(searchResults)
      .values({ ...result, codeVersion, worker })
      .onConflictDoNothing({ target: searchResults.jobKey });
    await completeJobs(tx, campaignId, [result.jobKey], worker);
  });
}

/** --force: forget a search job's candidates, fronts and result. */
export async function dropSearch(db: Db, jobKey: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(searchCandidates).where(eq(searchCandidates.jobKey, jobKey));
    await tx.delete(searchFronts).where(eq(searchFronts.jobKey, jobKey));
    await tx.delete(searchResults).where(eq(searchResults.jobKey, jobKey));
  });
}

/** Finished searches (with the search's name in the spec when a campaign is given). */
export async function searchResultRows(db: Db, campaignId?: string): Promise<SearchResultRow[]> {
  if (!campaignId)
    return (await db.select().from(searchResults).orderBy(asc(searchResults.createdAt))).map((row) => ({
      ...row,
      name: null,
      createdAt: iso(row.createdAt)!,
    })) as SearchResultRow[];
  const rows = await db
    .select({ result: searchResults, name: jobs.group, params: jobs.params })
    .from(jobs)
    .innerJoin(searchResults, eq(searchResults.jobKey, jobs.key))
    .where(and(eq(jobs.campaignId, campaignId), eq(jobs.kind, 'nas')))
    .orderBy(asc(jobs.position));
  return rows.map(({ result, name, params }) => {
    const seeds = (params as { training?: { seeds?: number[] } }).training?.seeds;
    return { ...result, name, ...(seeds ? { trainingSeeds: seeds } : {}), createdAt: iso(result.createdAt)! };
  }) as SearchResultRow[];
}
