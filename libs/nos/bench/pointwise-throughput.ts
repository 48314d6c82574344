/**
 * The 1×1 convolutions of CIFAR-style MobileNetV2, one forward pass at batch 64: GFLOP/s of ours
 * (the wasm backend with nos' kernels: the SIMD GEMM of src/backend/wasm-pointwise-conv.ts),
 * of tfjs-backend-wasm's own Conv2D (XNNPACK) on the same tensors, and of PyTorch's `conv2d` on
 * the CPU (`bench/torch_pointwise_throughput.py`, NCHW as PyTorch trains), each on one thread
 * unless --threads says otherwise for PyTorch, in the same run, best of `--reps` calls per layer.
 *
 *   node --import tsx bench/pointwise-throughput.ts [--widths 0.25,0.5,1] [--batch 64] [--reps 20]
 *        [--threads 1] [--python /usr/bin/python3] [--json]
 *
 * 1×1 convolutions and their two gradients (the same products) hold over half of a width-1
 * training step: this shows how fast the product itself runs on each side. The last column is
 * the largest difference between our outputs and XNNPACK's (0: every sum rounded alike, so a
 * training run gives the same numbers as before the GEMM replaced XNNPACK).
 */
import { parseArgs } from 'node:util';

import * as tf from '@tensorflow/tfjs-core';
import { buildNetwork, toTopology } from '@fuselab/fuseconv';

import { selectBackend } from '../src/index.js';
import { originalKernel } from '../src/backend/register.js';
import { runPythonPeer } from './python-peer.js';

/** A 1×1 convolution: x [batch, h, w, k] · W [k, n]. */
interface Pointwise {
  h: number;
  w: number;
  k: number;
  n: number;
}

function pointwiseLayers(width: number): Pointwise[] {
  const spec = buildNetwork({ network: 'mobilenet_v2', variant: 'baseline', width, inputSize: 32, numClasses: 10, stem: 'cifar' });
  return toTopology(spec).flatMap((l) => (l.kind === 'pointwise' ? [{ h: l.ifmapH, w: l.ifmapW, k: l.channels, n: l.filters }] : []));
}

/** Best time of `reps` calls after one warm-up call (V8 tiers wasm up after its first calls). */
function best(reps: number, f: () => void): number {
  f();
  let ms = Infinity;
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    f();
    ms = Math.min(ms, performance.now() - t);
  }
  return ms;
}

/**
 * Milliseconds per layer: ours (the registered kernels) and XNNPACK (the wasm backend's own
 * Conv2D); and the largest |ours − XNNPACK| over all outputs (0 when every sum is rounded alike).
 */
function measureTfjs(layers: Pointwise[], batch: number, reps: number): { ours: number[]; xnnpack: number[]; maxDiff: number } {
  const xnnpackConv = originalKernel('Conv2D');
  const attrs = { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] };
  const ours: number[] = [];
  const xnnpack: number[] = [];
  let maxDiff = 0;
  for (const l of layers) {
    tf.tidy(() => {
      const x = tf.randomNormal([batch, l.h, l.w, l.k], 0, 1, 'float32', 1) as tf.Tensor4D;
      const f = tf.randomNormal([1, 1, l.k, l.n], 0, 1, 'float32', 2) as tf.Tensor4D;
      ours.push(best(reps, () => tf.conv2d(x, f, 1, 'valid').dispose()));
      const backend = tf.backend();
      const a = tf.conv2d(x, f, 1, 'valid').dataSync();
      const yb = xnnpackConv({ inputs: { x, filter: f }, backend, attrs }) as tf.TensorInfo;
      const b = tf.engine().makeTensorFromTensorInfo(yb).dataSync();
      for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs((a[i] as number) - (b[i] as number)));
      xnnpack.push(
        best(reps, () => {
          const y = xnnpackConv({ inputs: { x, filter: f }, backend, attrs }) as tf.TensorInfo;
          backend.disposeData(y.dataId);
        }),
      );
    });
  }
  return { ours, xnnpack, maxDiff };
}

async function measureTorch(
  layers: Pointwise[],
  batch: number,
  reps: number,
  threads: number,
  python: string,
): Promise<{ ms: number[]; torch: string; threads: number }> {
  return runPythonPeer(python, 'torch_pointwise_throughput.py', { layers, batch, reps, threads });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      widths: { type: 'string', default: '0.25,0.5,1' },
      batch: { type: 'string', default: '64' },
      reps: { type: 'string', default: '20' },
      threads: { type: 'string', default: '1' },
      python: { type: 'string', default: '/usr/bin/python3' },
      json: { type: 'boolean', default: false },
    },
  });
  const batch = Number(values.batch);
  const reps = Number(values.reps);
  const selection = await selectBackend('wasm');
  const log = (line: string) => (values.json ? process.stderr : process.stdout).write(`${line}\n`);
  log(
    `1×1 convolutions of CIFAR MobileNetV2, forward, batch ${batch}, best of ${reps} calls per layer; ours on tfjs-${selection.name}, 1 thread`,
  );
  log(
    '| width | layers | GFLOP | ours ms | XNNPACK ms | PyTorch ms (threads) | ours GFLOP/s | XNNPACK GFLOP/s | PyTorch GFLOP/s | ours / XNNPACK speed | ours / PyTorch speed | max abs(ours − XNNPACK) |',
  );
  log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  const rows = [];
  for (const width of values.widths.split(',').map(Number)) {
    const layers = pointwiseLayers(width);
    const gflop = layers.reduce((s, l) => s + (2 * batch * l.h * l.w * l.k * l.n) / 1e9, 0);
    const tfjsSide = measureTfjs(layers, batch, reps);
    const torchSide = await measureTorch(layers, batch, reps, Number(values.threads), values.python);
    const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
    const row = {
      width,
      layers: layers.length,
      gflop,
      oursMs: sum(tfjsSide.ours),
      xnnpackMs: sum(tfjsSide.xnnpack),
      torchMs: sum(torchSide.ms),
      torch: torchSide.torch,
      torchThreads: torchSide.threads,
      maxDiffVsXnnpack: tfjsSide.maxDiff,
    };
    rows.push(row);
    const rate = (ms: number) => ((gflop * 1000) / ms).toFixed(1);
    log(
      `| ${width} | ${row.layers} | ${gflop.toFixed(2)} | ${row.oursMs.toFixed(1)} | ${row.xnnpackMs.toFixed(1)} | ${row.torchMs.toFixed(1)} (${row.torchThreads}) | ${rate(row.oursMs)} | ${rate(row.xnnpackMs)} | ${rate(row.torchMs)} | ${(row.xnnpackMs / row.oursMs).toFixed(2)} | ${(row.torchMs / row.oursMs).toFixed(2)} | ${row.maxDiffVsXnnpack} |`,
    );
  }
  if (values.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
}

await main();
