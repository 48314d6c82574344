/**
 * A replica thread of data-parallel training (replicas.ts): it builds the same model from the same
 * spec and seed on the same backend, and for every step takes the loop's current weights and one
 * shard of the batch and answers the shard's gradients and the BatchNorm statistics its forward
 * pass produced. It keeps no state between steps besides the model's buffers, so the loop's thread
 * stays the one owner of weights, optimizer state and checkpoints.
 */
import { parentPort } from 'node:worker_threads';

import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { selectBackend } from '../backend/select.js';
import { mixSeed } from '../data/rng.js';
import { dropoutLayers, type SeededDropout } from './dropout-seeds.js';
import { modelFromSpec } from './from-spec.js';
import { evaluateBatch } from './evaluate.js';
import type { FromReplica, ReplicaEvaluate, ReplicaInit, ReplicaStep, ToReplica } from './replica-protocol.js';
import { stepGradients, type ObjectivePlan } from './step.js';

interface Replica {
  index: number;
  model: tfl.LayersModel;
  trainable: tf.Variable[];
  plan: ObjectivePlan;
  dropout: SeededDropout[];
}

const port = parentPort;
if (port === null) throw new Error('replica-worker.ts runs as a worker thread of the training loop');
const post = (m: FromReplica, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

async function start(m: ReplicaInit): Promise<Replica> {
  await selectBackend(m.backend);
  const model = modelFromSpec(m.spec, { seed: m.seed, taps: m.taps, init: m.init }).model;
  post({ type: 'ready', shapes: model.weights.map((w) => [...w.shape] as number[]) });
  return {
    index: m.index,
    model,
    trainable: model.trainableWeights.map((v) => v.read() as tf.Variable),
    plan: { ...m.plan, teacher: undefined },
    dropout: dropoutLayers(model),
  };
}

function setWeights(r: Replica, weights: Float32Array[]): void {
  r.model.weights.forEach((w, i) => {
    const t = tf.tensor(weights[i]!, w.shape as number[]);
    (w.read() as tf.Variable).assign(t);
    t.dispose();
  });
}

async function evaluate(r: Replica, m: ReplicaEvaluate): Promise<void> {
  setWeights(r, m.weights);
  const results = [];
  for (const batch of m.batches) results.push(await evaluateBatch(r.model, batch));
  post({ type: 'evaluated', results });
}

async function step(r: Replica, m: ReplicaStep): Promise<void> {
  setWeights(r, m.weights);
  r.dropout.forEach((d, i) => (d.seed = mixSeed(m.dropoutSeeds[i] ?? 0, r.index)));
  const { grads, numbers } = await stepGradients({ model: r.model, trainable: r.trainable, nos: false }, r.plan, m, m.opWeight);
  const out = r.trainable.map((v) => {
    const g = grads[v.name];
    return g === undefined ? null : (g.dataSync() as Float32Array).slice();
  });
  tf.dispose(Object.values(grads));
  const nonTrainable = r.model.nonTrainableWeights.map((w) => (w.read().dataSync() as Float32Array).slice());
  const buffers = [...out, ...nonTrainable].flatMap((a) => (a === null ? [] : [a.buffer as ArrayBuffer]));
  post({ type: 'gradients', grads: out, nonTrainable, numbers }, buffers);
}

let replica: Promise<Replica> | undefined;
let queue: Promise<void> = Promise.resolve();

port.on('message', (m: ToReplica) => {
  queue = queue
    .then(async () => {
      if (m.type === 'init') {
        replica = start(m);
        await replica;
      } else if (m.type === 'step') {
        if (replica === undefined) throw new Error('replica: a step arrived before init');
        await step(await replica, m);
      } else if (m.type === 'evaluate') {
        if (replica === undefined) throw new Error('replica: an evaluation arrived before init');
        await evaluate(await replica, m);
      } else {
        (await replica)?.model.dispose();
        port.close();
      }
    })
    .catch((e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      post({ type: 'error', name: err.name, message: err.message });
    });
});
