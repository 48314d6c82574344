/**
 * The one drizzle schema for PGlite (embedded) and PostgreSQL (distributed). Migrations are
 * generated from it with drizzle-kit into apps/orchestrator/drizzle/ and applied at start.
 *
 * Results are content-addressed: a simulation result is keyed by its job key (a hash of the job's
 * normalised parameters and code version), so an activity that runs twice leaves one result and a
 * second campaign asking for the same job reuses it.
 */
import {
  bigint,
  boolean,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' });
const now = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const campaigns = pgTable(
  'campaigns',
  {
    id: text().primaryKey(),
    name: text().notNull(),
    spec: jsonb().notNull(),
    specHash: text('spec_hash').notNull(),
    /** pending → running → completed | failed | cancelled */
    status: text().notNull(),
    codeVersion: text('code_version').notNull(),
    versions: jsonb().notNull(),
    seed: integer().notNull(),
    force: boolean().notNull().default(false),
    totalJobs: integer('total_jobs').notNull().default(0),
    reusedJobs: integer('reused_jobs').notNull().default(0),
    error: text(),
    createdAt: now(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('campaigns_spec_hash_idx').on(t.specHash), index('campaigns_created_idx').on(t.createdAt)],
);

export const jobs = pgTable(
  'jobs',
  {
    id: serial().primaryKey(),
    campaignId: text('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    /** Position in the campaign's expansion order. */
    position: integer().notNull(),
    kind: text().notNull(),
    group: text().notNull(),
    key: text().notNull(),
    params: jsonb().notNull(),
    /** pending | running | completed | failed | reused | cancelled */
    status: text().notNull(),
    attempts: integer().notNull().default(0),
    worker: text(),
    error: text(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    /**
     * A running training's last sign of life: its worker writes it at most every 15 s
     * (JOB_TOUCH_EVERY_MS). A running job silent for long has lost its worker, which the row alone
     * would not show until a retry starts (the dashboard marks it).
     */
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('jobs_campaign_key_uq').on(t.campaignId, t.key),
    index('jobs_key_idx').on(t.key),
    index('jobs_status_idx').on(t.campaignId, t.status),
    index('jobs_position_idx').on(t.campaignId, t.position),
  ],
);

export const simResults = pgTable(
  'sim_results',
  {
    jobKey: text('job_key').primaryKey(),
    network: text().notNull(),
    variant: text().notNull(),
    rows: integer().notNull(),
    cols: integer().notNull(),
    model: text().notNull(),
    hardware: text().notNull(),
    dataflow: text().notNull(),
    inputSize: integer('input_size').notNull(),
    numClasses: integer('num_classes').notNull(),
    totalCycles: bigint('total_cycles', { mode: 'number' }).notNull(),
    totalMacs: bigint('total_macs', { mode: 'number' }).notNull(),
    cyclesByClass: jsonb('cycles_by_class').notNull(),
    /**
     * Each layer's utilisation in layer order: a copy of sim_layer_results.utilization kept on the
     * result so the dashboard's heatmap (layers × every array) reads one row per result instead of
     * aggregating ~80 layer rows for each. Null on rows written by code older than migration 0004
     * (readers then aggregate the layer rows).
     */
    layerUtilization: doublePrecision('layer_utilization').array(),
    codeVersion: text('code_version').notNull(),
    worker: text(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('sim_results_lookup_idx').on(t.network, t.variant, t.rows, t.cols, t.model, t.hardware)],
);

export const simLayerResults = pgTable(
  'sim_layer_results',
  {
    jobKey: text('job_key')
      .notNull()
      .references(() => simResults.jobKey, { onDelete: 'cascade' }),
    layerIndex: integer('layer_index').notNull(),
    name: text().notNull(),
    kind: text().notNull(),
    operatorClass: text('operator_class').notNull(),
    cycles: bigint({ mode: 'number' }).notNull(),
    macs: bigint({ mode: 'number' }).notNull(),
    utilization: doublePrecision().notNull(),
    breakdown: jsonb(),
  },
  (t) => [primaryKey({ columns: [t.jobKey, t.layerIndex] })],
);

/** Training curves: one row per (job, epoch, step, split, metric). Filled once training jobs run. */
export const trainingMetrics = pgTable(
  'training_metrics',
  {
    jobKey: text('job_key').notNull(),
    epoch: integer().notNull(),
    step: integer().notNull(),
    split: text().notNull(),
    metric: text().notNull(),
    value: doublePrecision().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.jobKey, t.epoch, t.step, t.split, t.metric] })],
);

/** The outcome of a training job, keyed by its job key (content-addressed, like sim_results). */
export const trainingResults = pgTable('training_results', {
  jobKey: text('job_key').primaryKey(),
  dataset: text().notNull(),
  network: text().notNull(),
  /** A named variant, or `custom` (then `operators` holds the network's per-block operators). */
  variant: text().notNull(),
  operators: text().array(),
  method: text().notNull(),
  width: doublePrecision().notNull(),
  epochs: integer().notNull(),
  seed: integer().notNull(),
  backend: text().notNull(),
  testAccuracy: doublePrecision('test_accuracy'),
  testLoss: doublePrecision('test_loss'),
  trainLoss: doublePrecision('train_loss').notNull(),
  trainAccuracy: doublePrecision('train_accuracy').notNull(),
  trainImagesPerSec: doublePrecision('train_images_per_sec').notNull(),
  /** The final checkpoint: checkpoints(job_key, epoch, step). */
  checkpointEpoch: integer('checkpoint_epoch').notNull(),
  checkpointStep: integer('checkpoint_step').notNull(),
  /** Attempt that finished it and the global step it resumed from (null: from scratch). */
  resumedFrom: integer('resumed_from'),
  codeVersion: text('code_version').notNull(),
  worker: text(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Who is training a key right now. Every training (a job, a search's candidate, a supernet) claims
 * its key before it starts and waits while another live holder has it, so two activities that need
 * the same training at once — two searches over one supernet, two campaigns with one job — train it
 * once and the second takes the stored result. A holder renews `renewed_at` while it trains; one
 * that stopped renewing (its worker died) loses the claim after a timeout, and whoever takes it
 * over resumes from the latest checkpoint. `holder` is null once released; `claims` counts the
 * claims granted (an operator's view of take-overs; 1 for a training that ran once).
 */
export const trainingLeases = pgTable('training_leases', {
  jobKey: text('job_key').primaryKey(),
  holder: text(),
  claims: integer().notNull().default(0),
  renewedAt: timestamp('renewed_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Checkpoints live in the database so that a retried attempt on any worker can resume. */
export const checkpoints = pgTable(
  'checkpoints',
  {
    jobKey: text('job_key').notNull(),
    epoch: integer().notNull(),
    step: integer().notNull(),
    format: text().notNull(),
    data: bytea().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.jobKey, t.epoch, t.step] })],
);

/** Every evaluated candidate of a search job, once: by evaluation index and by candidate key. */
export const searchCandidates = pgTable(
  'search_candidates',
  {
    jobKey: text('job_key').notNull(),
    /** Evaluation order (0-based), as libs/nas' runSearch numbers them. */
    candidateIndex: integer('candidate_index').notNull(),
    /** libs/nas candidateKey ('ddhf…', + '@RxC/hw' when the array is searched). */
    candidateKey: text('candidate_key').notNull(),
    generation: integer().notNull(),
    operators: jsonb().notNull(),
    array: jsonb(),
    objectives: jsonb().notNull(),
    /** The `accuracy` objective: the training job that measured it (training_results, metrics and checkpoints by this key). */
    trainingKey: text('training_key'),
    /**
     * Training `seeds` (several): `[{seed, key, testAccuracy}]`, one per seed in seed order, the
     * `accuracy` objective their negated mean and `training_key` the first one's; null for one seed.
     */
    seedTrainings: jsonb('seed_trainings'),
    /** Below a full evaluation (halving's early rungs: a fraction of the training epochs); null: full. Never on a front. */
    fidelity: doublePrecision(),
    worker: text(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.jobKey, t.candidateIndex] }), uniqueIndex('search_candidates_key_uq').on(t.jobKey, t.candidateKey)],
);

/**
 * The trainings a search job runs for the `accuracy` objective, recorded when each starts (so a
 * campaign's training views show them while they run; they have no job row of their own): the
 * training job's key and parameters, as `jobs.params` holds a training job's.
 */
export const searchTrainings = pgTable(
  'search_trainings',
  {
    jobKey: text('job_key').notNull(),
    trainingKey: text('training_key').notNull(),
    params: jsonb().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.jobKey, t.trainingKey] })],
);

/** The Pareto front of a search job after each generation (evaluations so far). */
export const searchFronts = pgTable(
  'search_fronts',
  {
    jobKey: text('job_key').notNull(),
    generation: integer().notNull(),
    front: jsonb().notNull(),
    evaluations: integer().notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.jobKey, t.generation] })],
);

/** A finished search job (its presence makes the job reusable). */
export const searchResults = pgTable('search_results', {
  jobKey: text('job_key').primaryKey(),
  network: text().notNull(),
  space: text().notNull(),
  strategy: text().notNull(),
  objectives: jsonb().notNull(),
  evaluations: integer().notNull(),
  generations: integer().notNull(),
  /** Workflow runs (1 + continue-as-new count). */
  runs: integer().notNull(),
  /** searchSummary's entries: [{ key, operators, objectives, array? }], in evaluation order. */
  front: jsonb().notNull(),
  /**
   * A search with `confirm`: its front's networks trained again at more seeds (searches.ts
   * ConfirmedSearchFront: each network's accuracy per seed, mean ± sd, and the front of the means).
   */
  confirmed: jsonb(),
  codeVersion: text('code_version').notNull(),
  worker: text(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
