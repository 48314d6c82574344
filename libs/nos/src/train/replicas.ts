/**
 * Data-parallel training in one process: `replicas − 1` worker threads, each with its own copy of
 * the model on its own tfjs backend, so a step uses that many cores (tfjs' wasm backend runs one
 * thread; its threaded build does not run in Node).
 *
 * A step splits the batch into `replicas` contiguous shards. The loop's thread sends every replica
 * the current weights and its shard, computes shard 0 itself meanwhile, then averages the
 * gradients weighted by shard size — the gradient of the whole batch's mean loss — and applies the
 * optimizer once. BatchNorm moving statistics are averaged the same way: their update is linear in
 * the batch statistics, so the average is the update from the shards' mean statistics.
 *
 * What differs from one thread: BatchNorm normalises each shard with the shard's own statistics
 * ("ghost batch norm", as in PyTorch's DistributedDataParallel without SyncBatchNorm), and dropout
 * masks differ. A run is deterministic for a given replica count, which is therefore part of what a
 * run is (the orchestrator keys jobs on it).
 */
import { Worker } from 'node:worker_threads';

import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { NetworkSpec } from '@fuselab/fuseconv';

import type { BackendName } from '../backend/select.js';
import type { Batch } from '../data/batch.js';
import type { ImageDataset } from '../data/dataset.js';
import {
  abortError,
  evaluateBatch,
  evaluationBatches,
  summarizeEvaluation,
  testBatch,
  yieldToEventLoop,
  type EvaluateOptions,
} from './evaluate.js';
import type { InitScheme, TapMode } from './from-spec.js';
import type { FromReplica, ReplicaInit, ToReplica } from './replica-protocol.js';
import type { RunPlan } from './run-plan.js';
import { applyStep, stepGradients, type StepModel, type StepNumbers } from './step.js';

export interface ReplicaOptions {
  replicas: number;
  backend: BackendName;
  spec: NetworkSpec;
  taps: TapMode;
  init: InitScheme;
  seed: number;
  plan: Pick<RunPlan, 'labelSmoothing' | 'alpha' | 'temperature'>;
}

/**
 * The worker script beside this module. Run from the TypeScript sources (tests, benches under tsx),
 * the thread registers tsx first: Node 20 does not pass `--import` loaders on to worker threads.
 */
function newWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./replica-worker.js', import.meta.url));
  const entry = new URL('./replica-worker.ts', import.meta.url).href;
  return new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`, {
    eval: true,
  });
}

class ReplicaThread {
  private readonly worker: Worker;
  private waiting: { resolve: (m: FromReplica) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  constructor() {
    this.worker = newWorker();
    this.worker.on('message', (m: FromReplica) => {
      const w = this.waiting;
      this.waiting = undefined;
      if (m.type === 'error') {
        const e = new Error(`replica thread: ${m.message}`);
        e.name = m.name;
        w?.reject(e);
      } else w?.resolve(m);
    });
    const fail = (e: Error): void => {
      this.failure = e;
      this.waiting?.reject(e);
      this.waiting = undefined;
    };
    this.worker.on('error', (e) => fail(new Error(`replica thread failed: ${e.message}`)));
    this.worker.on('exit', (code) => fail(new Error(`replica thread exited (code ${code})`)));
  }

  /** Sends one message and waits for its answer (a replica answers every init and step once). */
  request(m: ToReplica, transfer: ArrayBuffer[] = []): Promise<FromReplica> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.worker.postMessage(m, transfer);
    });
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

function shard(batch: Batch, start: number, end: number): Batch {
  const px = batch.height * batch.width * batch.channels;
  return { ...batch, n: end - start, x: batch.x.slice(start * px, end * px), y: batch.y.slice(start, end) };
}

/**
 * The threads' answers are awaited after the loop's own share; should that throw (abort, a kernel
 * error), a thread failing later must not become an unhandled rejection that ends the process.
 */
function settleQuietly(pending: ReadonlyArray<Promise<unknown>>): void {
  for (const p of pending) p.catch(() => undefined);
}

/** Shard boundaries: `replicas` contiguous ranges of sizes differing by at most one, larger first. */
export function shardBounds(n: number, replicas: number): number[] {
  const bounds = [0];
  for (let i = 0; i < replicas; i++) bounds.push(bounds[i]! + Math.floor(n / replicas) + (i < n % replicas ? 1 : 0));
  return bounds;
}

export class ReplicaPool {
  private constructor(
    private readonly threads: ReplicaThread[],
    private readonly replicas: number,
  ) {}

  /** Starts `replicas − 1` threads and waits until each has built the model; checks its weights' shapes against `shapes`. */
  static async start(o: ReplicaOptions, shapes: number[][]): Promise<ReplicaPool> {
    const threads = Array.from({ length: o.replicas - 1 }, () => new ReplicaThread());
    const pool = new ReplicaPool(threads, o.replicas);
    try {
      await Promise.all(
        threads.map(async (t, i) => {
          const init: ReplicaInit = {
            type: 'init',
            index: i + 1,
            backend: o.backend,
            spec: o.spec,
            taps: o.taps,
            init: o.init,
            seed: o.seed,
            plan: o.plan,
          };
          const m = await t.request(init);
          if (m.type !== 'ready' || JSON.stringify(m.shapes) !== JSON.stringify(shapes))
            throw new Error(`replica thread ${i + 1} built a model with other weights than the loop's`);
        }),
      );
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  /** One data-parallel step: shard gradients in every thread, their weighted mean applied once. */
  async step(s: StepModel, plan: RunPlan, batch: Batch, opWeight: number, dropoutSeeds: number[]): Promise<StepNumbers> {
    const bounds = shardBounds(batch.n, this.replicas);
    const weights = s.model.weights.map((w) => w.read().dataSync() as Float32Array);
    const pending = this.threads.map((t, i) => {
      const b = shard(batch, bounds[i + 1]!, bounds[i + 2]!);
      return t.request({ type: 'step', weights, ...b, dropoutSeeds, opWeight }, [b.x.buffer as ArrayBuffer, b.y.buffer as ArrayBuffer]);
    });
    settleQuietly(pending);
    const mine = await stepGradients(s, plan, shard(batch, bounds[0]!, bounds[1]!), opWeight);
    const others = (await Promise.all(pending)).map((m) => {
      if (m.type !== 'gradients') throw new Error(`replica thread answered ${m.type} to a step`);
      return m;
    });
    const shares = bounds.slice(1).map((end, i) => (end - bounds[i]!) / batch.n);
    const grads = tf.tidy(() => {
      const g: tf.NamedTensorMap = {};
      s.trainable.forEach((v, k) => {
        const own = mine.grads[v.name];
        if (own === undefined) return;
        let sum = tf.mul(own, shares[0]!);
        others.forEach((o, i) => {
          const theirs = o.grads[k];
          if (theirs !== null && theirs !== undefined) sum = tf.add(sum, tf.mul(tf.tensor(theirs, v.shape), shares[i + 1]!));
        });
        g[v.name] = sum;
      });
      return g;
    });
    tf.dispose(Object.values(mine.grads));
    applyStep(s, plan, grads);
    tf.dispose(Object.values(grads));
    s.model.nonTrainableWeights.forEach((w, k) => {
      const v = w.read() as tf.Variable;
      const mean = tf.tidy(() => {
        let sum = tf.mul(v, shares[0]!);
        others.forEach((o, i) => (sum = tf.add(sum, tf.mul(tf.tensor(o.nonTrainable[k]!, v.shape), shares[i + 1]!))));
        return sum;
      });
      v.assign(mean);
      mean.dispose();
    });
    const all = [mine.numbers, ...others.map((o) => o.numbers)];
    const weighted = (f: (n: StepNumbers) => number | undefined): number | undefined =>
      f(mine.numbers) === undefined ? undefined : all.reduce((acc, n, i) => acc + f(n)! * shares[i]!, 0);
    return {
      loss: weighted((n) => n.loss)!,
      taskLoss: weighted((n) => n.taskLoss)!,
      distillLoss: weighted((n) => n.distillLoss),
      operatorLoss: weighted((n) => n.operatorLoss),
      correct: all.reduce((acc, n) => acc + n.correct, 0),
    };
  }

  /**
   * `evaluate` (evaluate.ts) with the test batches split between the threads: the same batches and
   * per-batch sums, added in batch order, so the same numbers as one thread's evaluation.
   */
  async evaluate(model: tfl.LayersModel, data: ImageDataset, options: EvaluateOptions = {}): Promise<{ loss: number; accuracy: number }> {
    const batches = evaluationBatches(data.count, options.batchSize ?? 256);
    const bounds = shardBounds(batches.length, this.replicas);
    const weights = model.weights.map((w) => w.read().dataSync() as Float32Array);
    const pending = this.threads.map((t, i) => {
      const mine = batches.slice(bounds[i + 1], bounds[i + 2]).map(({ start, n }) => testBatch(model, data, start, n, options));
      return t.request(
        { type: 'evaluate', weights, batches: mine },
        mine.flatMap((b) => [b.x.buffer as ArrayBuffer, b.y.buffer as ArrayBuffer]),
      );
    });
    settleQuietly(pending);
    const own = [];
    const ownImages = batches[bounds[1]! - 1] === undefined ? 0 : batches[bounds[1]! - 1]!.start + batches[bounds[1]! - 1]!.n;
    for (const { start, n } of batches.slice(0, bounds[1])) {
      if (options.signal?.aborted) throw abortError(options.signal);
      own.push(await evaluateBatch(model, testBatch(model, data, start, n, options)));
      // Progress as the loop's own share goes, scaled to the whole (the threads answer only at the end).
      options.onBatch?.(Math.round(((start + n) / ownImages) * data.count), data.count);
      await yieldToEventLoop();
    }
    const others = (await Promise.all(pending)).map((m) => {
      if (m.type !== 'evaluated') throw new Error(`replica thread answered ${m.type} to an evaluation`);
      return m.results;
    });
    options.onBatch?.(data.count, data.count);
    return summarizeEvaluation([...own, ...others.flat()], data.count);
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.close()));
  }
}
