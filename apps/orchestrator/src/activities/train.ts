/**
 * The `fuselab-train` activity: one training job. It resumes from the job's latest checkpoint in the
 * database (written by an earlier attempt on any worker), heartbeats progress and the step of its
 * latest checkpoint, stores metrics per step and epoch, and stores the result once. The training
 * runs in a child process (train/training-process.ts); the database stays here.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { TrainJobParams } from '../campaigns/expand.js';
import { candidateTraining, supernetScoring, supernetTraining, type SupernetJobParams } from '../campaigns/search.js';
import { codeVersion, jobKey, supernetCodeVersion, supernetKey } from '../campaigns/versions.js';
import { checkJobFiles } from '../campaigns/file-digests.js';
import { confinePath } from '../env/data-roots.js';
import { rethrowForActivity } from '../errors/activity-failure.js';
import type { MetricRow, Store } from '../store/store.js';
import { vouchForChild, type Liveness } from './liveness.js';
import { withTrainingClaim, type TrainingClaimOptions } from './training-claim.js';
import type { SupernetTask } from '../train/supernet-run.js';
import type { SupernetTrainResult, TrainActivities, TrainJobResult } from './types.js';

export interface TrainActivityOptions {
  /** Checkpoint every N optimizer steps as well as at every epoch end (default 20). */
  checkpointEvery?: number;
  /** Fault injection for tests: attempt 1 of every job stops (fails) once step N is checkpointed. */
  failAfterStep?: number;
  /** Files a job names (teacher checkpoint, data directory) must lie inside these (data-roots.ts). */
  dataRoots?: readonly string[];
  /** Timing of the claims that keep one training per key (training-claim.ts; tests shorten it). */
  claim?: TrainingClaimOptions;
}

/**
 * How often a running training writes its sign of life to its job row (`heartbeat_at`) — the
 * Temporal heartbeat itself is not visible to the database, so without it a job whose worker died
 * would read `running` until a retry starts, or forever if no worker polls fuselab-train.
 */
export const JOB_TOUCH_EVERY_MS = 15_000;

export function createTrainActivities(store: Store, worker: string, options: TrainActivityOptions = {}): TrainActivities {
  /**
   * The spec was checked at submission; the worker checks again with its own roots, since it is
   * the one that opens the files (and a job may reach it by another way), and checks that the files
   * its key digests are still the ones submitted (file-digests.ts).
   */
  async function checkFiles(params: Pick<TrainJobParams, 'dataDir' | 'data' | 'teacher' | 'sha256'>): Promise<void> {
    if (options.dataRoots) {
      if (params.dataDir) confinePath(params.dataDir, options.dataRoots, 'dataDir');
      if (params.data) confinePath(params.data, options.dataRoots, 'data');
      if (params.teacher && 'checkpoint' in params.teacher) confinePath(params.teacher.checkpoint, options.dataRoots, 'teacher');
    }
    await checkJobFiles(params, worker);
  }

  /** A kd / nos training's (or a supernet's) teacher: a checkpoint file, or the stored result of the teacher job. */
  async function teacherOf(
    campaignId: string,
    teacherParams: TrainJobParams['teacher'],
  ): Promise<{ checkpoint: import('@fuselab/nos').Checkpoint; source: string } | undefined> {
    if (!teacherParams) return undefined;
    const training = await import('../train/training.js');
    if ('checkpoint' in teacherParams)
      return { checkpoint: training.readCheckpointFile(teacherParams.checkpoint), source: teacherParams.checkpoint };
    // The teacher's key under this worker's code version, else the one the campaign registered
    // it with (the code version is part of every key and may have changed since).
    let teacherKey = jobKey('train', teacherParams.job);
    let result = await store.trainingResult(teacherKey);
    const registered = result ? undefined : await store.registeredKey(campaignId, 'train', teacherParams.job);
    if (registered) {
      teacherKey = registered;
      result = await store.trainingResult(teacherKey);
    }
    const row = result ? await store.checkpoint(teacherKey, result.checkpointEpoch, result.checkpointStep) : undefined;
    if (!row)
      throw ApplicationFailure.nonRetryable(
        `the teacher job ${teacherKey.slice(0, 12)} (${teacherParams.job.network} ${teacherParams.job.variant}, seed ${teacherParams.job.seed}) has no stored result`,
        'TrainingInputError',
      );
    return {
      checkpoint: training.decodeCheckpoint(row.data, `teacher checkpoint ${teacherKey.slice(0, 12)}`),
      source: `teacher job ${teacherKey.slice(0, 12)}`,
    };
  }

  /** The bytes of a finished supernet training (its result's checkpoint), to `purpose`. */
  async function storedSupernet(key: string, purpose: string): Promise<Uint8Array> {
    const result = await store.trainingResult(key);
    const row = result ? await store.checkpoint(key, result.checkpointEpoch, result.checkpointStep) : undefined;
    if (!row)
      throw ApplicationFailure.nonRetryable(`the supernet ${key.slice(0, 12)} has no stored result to ${purpose}`, 'TrainingInputError');
    return row.data;
  }

  /**
   * Heartbeats while a child process works (liveness.ts): the caller reports the child's events
   * with `progressed` and calls `stop` when the child has ended. `alsoOnBeat` runs with each beat.
   */
  function vouchWhileChildWorks(details: () => unknown, alsoOnBeat?: () => void): Liveness {
    const ctx = Context.current();
    return vouchForChild({
      heartbeat: (d) => {
        ctx.heartbeat(d);
        alsoOnBeat?.();
      },
      details,
    });
  }

  /** Trains job `key` of the campaign, resuming from its latest stored checkpoint, or answers the
   * result a run with that key stored already (in any campaign). The job's row, if the campaign has
   * one, is kept alive while it runs and completed with the result.
   */
  async function train(campaignId: string, key: string, params: TrainJobParams, force: boolean): Promise<TrainJobResult> {
    if (force && Context.current().info.attempt === 1) await store.dropTraining(key);
    const stored = async (waitedFor: string | undefined): Promise<TrainJobResult | undefined> => {
      const done = await store.trainingResult(key);
      if (!done) return undefined;
      // Another campaign, an attempt whose completion was lost, or the holder we waited for stored it.
      await store.completeJob(campaignId, key, worker);
      return {
        key,
        testAccuracy: done.testAccuracy,
        epochs: done.epochs,
        resumedFrom: done.resumedFrom,
        ...(waitedFor ? { waitedFor } : {}),
      };
    };
    try {
      return await withTrainingClaim(
        store,
        key,
        options.claim ?? {},
        stored,
        () => trainHeld(campaignId, key, params),
        // The job row waits too: keep it alive for the dashboard (a candidate has none; nothing happens).
        () => void store.touchJob(campaignId, key).catch(() => undefined),
      );
    } catch (error) {
      rethrowForActivity(error);
    }
  }

  /** Trains job `key` holding its claim (train above), from its latest checkpoint, and stores the result. */
  async function trainHeld(campaignId: string, key: string, params: TrainJobParams): Promise<TrainJobResult> {
    const ctx = Context.current();
    const attempt = ctx.info.attempt;
    const training = await import('../train/training.js');
    // The training itself runs in a child process, off this event loop (training-process.ts).
    const { runTrainingInChild } = await import('../train/training-process.js');
    await checkFiles(params);
    const teacher = await teacherOf(campaignId, params.teacher);
    const latest = await store.latestCheckpoint(key);
    const resumeFrom = latest ? training.decodeCheckpoint(latest.data, `checkpoint of job ${key.slice(0, 12)}`) : undefined;

    let metrics: MetricRow[] = [];
    let lastCheckpointStep = resumeFrom?.globalStep ?? null;
    let lastStep = resumeFrom?.globalStep ?? 0;
    let totalSteps = 0;
    // Optimizer steps this attempt executed: where it resumed follows from them, not from the
    // checkpoint it loaded (a loop that ignored the checkpoint would run them all).
    let stepsRun = 0;
    let touchedAt = 0;
    // The job row's sign of life (for the dashboard) goes with the heartbeat: it too says the worker
    // is alive and its training not stalled.
    const touch = () => {
      const now = Date.now();
      if (now - touchedAt >= JOB_TOUCH_EVERY_MS) {
        touchedAt = now;
        // Not awaited: a sign of life must not hold up training; a lost one is replaced 15 s later.
        store.touchJob(campaignId, key).catch(() => undefined);
      }
    };
    const liveness = vouchWhileChildWorks(() => ({ globalStep: lastStep, totalSteps, checkpointStep: lastCheckpointStep }), touch);
    const beat = () => liveness.progressed();
    const result = await runTrainingInChild(
      {
        ...dataRequestOf(params),
        network: params.network as never,
        variant: params.variant as never,
        ...(params.operators ? { operators: params.operators as never } : {}),
        width: params.width,
        ...(params.stem ? { stem: params.stem } : {}),
        method: params.method,
        epochs: params.epochs,
        batch: params.batch,
        ...(params.augment ? { augment: params.augment } : {}),
        ...(params.replicas !== undefined ? { replicas: params.replicas } : {}),
        hyperparameters: params.hyperparameters,
        ...(params.distill ? { distill: params.distill } : {}),
        ...(teacher ? { teacher } : {}),
        ...(resumeFrom ? { resumeFrom } : {}),
        checkpointEvery: options.checkpointEvery ?? 20,
        ...(options.failAfterStep !== undefined && attempt === 1 ? { failAfterStep: options.failAfterStep } : {}),
      },
      {
        signal: ctx.cancellationSignal,
        // Every event is progress: decoded images, optimizer steps, evaluated batches, epochs.
        onDataProgress: beat,
        onProgress: (event) => {
          beat();
          if (event.type === 'start') {
            totalSteps = event.totalSteps;
            // For the dashboard's per-job progress (training-progress): the run's length.
            metrics.push({ epoch: 0, step: -1, split: 'train', metric: 'total_steps', value: totalSteps });
          }
          if (event.type === 'step') {
            stepsRun++;
            lastStep = event.globalStep + 1;
            const row = (metric: string, value: number | undefined) => {
              if (value !== undefined && Number.isFinite(value))
                metrics.push({ epoch: event.epoch, step: event.globalStep, split: 'train', metric, value });
            };
            row('loss', event.loss);
            row('task_loss', event.taskLoss);
            row('distill_loss', event.distillLoss);
            row('operator_loss', event.operatorLoss);
            row('scaffold_weight', event.scaffoldWeight);
            row('learning_rate', event.learningRate);
            row('batch_accuracy', event.batchAccuracy);
            row('images_per_sec', event.imagesPerSec);
          } else if (event.type === 'epoch') {
            // Epoch summaries: step -1.
            metrics.push(
              { epoch: event.epoch, step: -1, split: 'train', metric: 'loss', value: event.trainLoss },
              { epoch: event.epoch, step: -1, split: 'train', metric: 'accuracy', value: event.trainAccuracy },
            );
            if (event.testLoss !== undefined)
              metrics.push({ epoch: event.epoch, step: -1, split: 'test', metric: 'loss', value: event.testLoss });
            if (event.testAccuracy !== undefined)
              metrics.push({ epoch: event.epoch, step: -1, split: 'test', metric: 'accuracy', value: event.testAccuracy });
          }
        },
        onCheckpoint: async (checkpoint) => {
          // Metrics first, then the checkpoint: a resumed attempt rewrites the steps after it.
          const rows = metrics;
          metrics = [];
          await store.saveMetrics(key, rows);
          await store.saveCheckpoint(
            key,
            checkpoint.epoch,
            checkpoint.globalStep,
            training.CHECKPOINT_STORAGE_FORMAT,
            training.encodeCheckpoint(checkpoint),
          );
          lastCheckpointStep = checkpoint.globalStep;
          beat();
        },
      },
    ).finally(() => liveness.stop());
    await store.saveMetrics(key, metrics);
    const final = result.checkpoint;
    const resumedFrom = final.globalStep - stepsRun > 0 ? final.globalStep - stepsRun : null;
    await store.saveCheckpoint(key, final.epoch, final.globalStep, training.CHECKPOINT_STORAGE_FORMAT, training.encodeCheckpoint(final));
    await store.saveTrainingResult(
      campaignId,
      key,
      {
        dataset: params.dataset,
        network: params.network,
        variant: params.variant,
        operators: params.operators ?? null,
        method: params.method,
        width: params.width,
        epochs: result.epochs,
        seed: params.seed,
        backend: result.backend,
        testAccuracy: result.testAccuracy,
        testLoss: result.testLoss,
        trainLoss: result.trainLoss,
        trainAccuracy: result.trainAccuracy,
        trainImagesPerSec: Number.isFinite(result.trainImagesPerSec) ? result.trainImagesPerSec : 0,
        checkpointEpoch: final.epoch,
        checkpointStep: final.globalStep,
        resumedFrom,
      },
      codeVersion('train'),
      worker,
    );
    return { key, testAccuracy: result.testAccuracy, epochs: result.epochs, resumedFrom };
  }

  /** Trains the supernet `key` holding its claim (trainSearchSupernet), resuming from its latest epoch checkpoint. */
  async function trainSupernetHeld(campaignId: string, key: string, job: SupernetJobParams): Promise<SupernetTrainResult> {
    const ctx = Context.current();
    await checkFiles(job);
    const teacher = await teacherOf(campaignId, job.teacher);
    const { runSupernetTaskInChild } = await import('../train/training-process.js');
    const { SUPERNET_STORAGE_FORMAT } = await import('../train/supernet-run.js');
    // Each epoch ends with a checkpoint (the supernet and its optimizer state): a retried
    // attempt, on any worker, resumes from the latest and ends exactly as an uninterrupted run.
    const latest = await store.latestCheckpoint(key);
    const resumeFrom = latest?.format === SUPERNET_STORAGE_FORMAT ? latest : undefined;
    let metrics: MetricRow[] = [];
    let step = resumeFrom?.step ?? 0;
    const flush = async () => {
      const rows = metrics;
      metrics = [];
      await store.saveMetrics(key, rows);
    };
    // Checkpoints are stored in order, each after the metrics before it; the child trains on
    // meanwhile. A failed save stops the run (it is retried from the last stored one).
    const stop = new AbortController();
    const onCancel = () => stop.abort(ctx.cancellationSignal.reason);
    ctx.cancellationSignal.addEventListener('abort', onCancel, { once: true });
    let saving = Promise.resolve();
    const liveness = vouchWhileChildWorks(() => ({ step }));
    const task = runSupernetTaskInChild(
      {
        kind: 'supernet-train',
        data: dataRequestOf(job),
        network: job.network as never,
        width: job.width,
        ...(job.stem ? { stem: job.stem } : {}),
        choices: job.operators as never,
        epochs: job.epochs,
        batch: job.batch,
        ...(job.augment ? { augment: job.augment } : {}),
        seed: job.seed,
        hyperparameters: job.hyperparameters,
        ...(teacher ? { teacher } : {}),
        ...(resumeFrom ? { resumeFrom: { bytes: resumeFrom.data, source: `checkpoint of supernet ${key.slice(0, 12)}` } } : {}),
        ...(options.failAfterStep !== undefined && ctx.info.attempt === 1 ? { failAfterStep: options.failAfterStep } : {}),
      },
      {
        signal: stop.signal,
        onEvent: (message) => {
          liveness.progressed();
          if (message.type === 'checkpoint') {
            saving = saving
              .then(async () => {
                await flush();
                await store.saveCheckpoint(key, message.epoch, message.step, SUPERNET_STORAGE_FORMAT, message.bytes);
              })
              .catch((error: unknown) => stop.abort(error));
            return;
          }
          if (message.type !== 'train') return;
          const event = message.event;
          if (event.type === 'step') {
            // The run's length, for the dashboard's progress (written once per attempt: the same value).
            if (step === (resumeFrom?.step ?? 0))
              metrics.push({ epoch: 0, step: -1, split: 'train', metric: 'total_steps', value: event.totalSteps });
            step = event.step + 1;
            metrics.push(
              { epoch: event.epoch, step: event.step, split: 'train', metric: 'loss', value: event.loss },
              { epoch: event.epoch, step: event.step, split: 'train', metric: 'batch_accuracy', value: event.batchAccuracy },
              { epoch: event.epoch, step: event.step, split: 'train', metric: 'learning_rate', value: event.learningRate },
            );
          } else {
            metrics.push(
              { epoch: event.epoch, step: -1, split: 'train', metric: 'loss', value: event.trainLoss },
              { epoch: event.epoch, step: -1, split: 'train', metric: 'accuracy', value: event.trainAccuracy },
            );
          }
        },
      },
    );
    // Whatever the child ends with, the checkpoints it sent before are stored first.
    const outcome = await task
      .finally(() => ctx.cancellationSignal.removeEventListener('abort', onCancel))
      .then(
        async (value) => {
          await saving;
          if (stop.signal.aborted) throw stop.signal.reason;
          return value;
        },
        async (error: unknown) => {
          await saving;
          throw stop.signal.aborted ? stop.signal.reason : error;
        },
      )
      .finally(() => liveness.stop());
    if (outcome.kind !== 'supernet-train') throw new Error(`supernet training answered a ${outcome.kind} result`);
    await flush();
    // The last epoch's checkpoint (stored above, or found stored by a retry) is the result's.
    const { result } = outcome;
    const last = result.epochs.at(-1)!;
    await store.saveTrainingResult(
      campaignId,
      key,
      {
        dataset: job.dataset,
        network: job.network,
        variant: job.variant,
        operators: job.operators,
        method: job.method,
        width: job.width,
        epochs: result.epochs.length,
        seed: job.seed,
        backend: outcome.backend,
        // A supernet has no test accuracy of its own: its candidates have, each on its path.
        testAccuracy: null,
        testLoss: null,
        trainLoss: last.trainLoss,
        trainAccuracy: last.trainAccuracy,
        // This attempt's speed (a resumed attempt's seconds count from where it resumed).
        trainImagesPerSec: result.seconds > 0 ? ((result.steps - (outcome.resumedFrom ?? 0)) * job.batch) / result.seconds : 0,
        checkpointEpoch: result.epochs.length,
        checkpointStep: result.steps,
        resumedFrom: outcome.resumedFrom,
      },
      supernetCodeVersion(),
      worker,
    );
    return { key, epochs: result.epochs.length };
  }

  return {
    async runTraining({ campaignId, position, force }) {
      const [job] = await store.loadJobs(campaignId, [position]);
      if (!job) throw ApplicationFailure.nonRetryable(`campaign ${campaignId} has no job at position ${position}`, 'InputError');
      await store.startJob(campaignId, job.key, worker, Context.current().info.attempt);
      return train(campaignId, job.key, job.params as TrainJobParams, force);
    },
    async trainSearchCandidate({ campaignId, jobKey: searchKey, params, candidate, seed }) {
      // Never forced: a candidate's training is a job like any other, and two candidates that
      // differ only in their array share it (campaigns/search.ts candidateTraining).
      const job = candidateTraining(params, candidate, seed);
      const key = jobKey('train', job);
      // Recorded first, so the campaign's training views show it while it runs.
      if (searchKey) await store.recordSearchTraining(searchKey, key, job);
      const result = await train(campaignId, key, job, false);
      if (result.testAccuracy === null || !Number.isFinite(result.testAccuracy))
        throw ApplicationFailure.nonRetryable(
          `the training of candidate ${candidate.operators.join(',')} (job ${result.key.slice(0, 12)}) has no test accuracy`,
          'TrainingInputError',
        );
      return result;
    },
    async trainSearchSupernet({ campaignId, jobKey: searchKey, params }) {
      const job = supernetTraining(params);
      const key = supernetKey(job);
      // Recorded first, so the campaign's training views show the supernet while it trains.
      await store.recordSearchTraining(searchKey, key, job);
      const stored = async (waitedFor: string | undefined) => {
        const done = await store.trainingResult(key);
        return done ? { key, epochs: done.epochs, ...(waitedFor ? { waitedFor } : {}) } : undefined;
      };
      try {
        return await withTrainingClaim(store, key, options.claim ?? {}, stored, () => trainSupernetHeld(campaignId, key, job));
      } catch (error) {
        rethrowForActivity(error);
      }
    },
    async scoreSupernetCandidates({ params, supernetKey: key, paths }) {
      const ctx = Context.current();
      try {
        const job = supernetTraining(params);
        await checkFiles(job);
        const stored = await storedSupernet(key, 'score with');
        const { runSupernetTaskInChild } = await import('../train/training-process.js');
        let scored = 0;
        const liveness = vouchWhileChildWorks(() => ({ scored }));
        const task = runSupernetTaskInChild(
          {
            kind: 'supernet-score',
            data: dataRequestOf(job),
            supernet: stored,
            source: `supernet ${key.slice(0, 12)}`,
            paths: paths as never,
            ...supernetScoring(params),
          },
          {
            signal: ctx.cancellationSignal,
            onEvent: (event) => {
              liveness.progressed();
              if (event.type === 'scored') scored = event.done;
            },
          },
        );
        const outcome = await task.finally(() => liveness.stop());
        if (outcome.kind !== 'supernet-score') throw new Error(`supernet scoring answered a ${outcome.kind} result`);
        return outcome.scores.map((s) => s.accuracy);
      } catch (error) {
        rethrowForActivity(error);
      }
    },
    async selectByZeroCostPt({ params, supernetKey: key }) {
      const ctx = Context.current();
      try {
        const training = params.training;
        if (!training) throw ApplicationFailure.nonRetryable('a zero-cost-pt search needs its training settings', 'InputError');
        const data = dataRequestOf(training);
        await checkFiles(training);
        let supernet: Extract<SupernetTask, { kind: 'supernet-zero-cost-pt' }>['supernet'];
        if (key !== undefined) {
          supernet = {
            stored: await storedSupernet(key, 'choose on'),
            source: `supernet ${key.slice(0, 12)}`,
            scoring: supernetScoring(params),
          };
        } else {
          supernet = {
            untrained: {
              network: params.network as never,
              width: training.width,
              ...(training.stem ? { stem: training.stem } : {}),
              choices: params.operators,
              seed: training.seed,
            },
          };
        }
        const { runSupernetTaskInChild } = await import('../train/training-process.js');
        // Its events are the data set's decoding; the choice itself is a few passes over one batch.
        const liveness = vouchWhileChildWorks(() => ({}));
        const task = runSupernetTaskInChild(
          { kind: 'supernet-zero-cost-pt', data, supernet, batch: training.batch, seed: training.seed },
          { signal: ctx.cancellationSignal, onEvent: () => liveness.progressed() },
        );
        const outcome = await task.finally(() => liveness.stop());
        if (outcome.kind !== 'supernet-zero-cost-pt') throw new Error(`zero-cost-pt answered a ${outcome.kind} result`);
        return { ...outcome.choice, ...(outcome.accuracy !== undefined ? { accuracy: outcome.accuracy } : {}) };
      } catch (error) {
        rethrowForActivity(error);
      }
    },
  };
}

/**
 * A job's data (a training's, a supernet's, a search training's), as `loadTrainingData` takes it.
 * Every activity runs `checkFiles` on the job before its child loads the data, so the archive's
 * digest goes along as checked.
 */
function dataRequestOf(job: Pick<SupernetJobParams, 'dataset' | 'dataDir' | 'data' | 'sha256' | 'imageSize' | 'limit' | 'seed'>) {
  return {
    dataset: job.dataset,
    ...(job.dataDir ? { dataDir: job.dataDir } : {}),
    ...(job.data ? { dataPath: job.data } : {}),
    ...(job.sha256?.data ? { dataSha256: job.sha256.data } : {}),
    ...(job.imageSize !== undefined ? { imageSize: job.imageSize } : {}),
    ...(job.limit !== undefined ? { limit: job.limit } : {}),
    seed: job.seed,
  };
}
