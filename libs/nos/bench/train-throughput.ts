/**
 * Training throughput (images/s of forward + backward + Adam steps) of a small MobileNet-style
 * network (stem conv3×3 s2 + 4 inverted-residual blocks, 32×32×3 input, 10 classes) in our engine
 * (wasm with the fuselab training kernels, and briefly the pure-JS cpu backend) against PyTorch on
 * the CPU with the same thread count, batch and input size, measured in the same run.
 *
 *   node --import tsx bench/train-throughput.ts [--steps 8] [--warmup 2] [--batch 64] [--rounds 3]
 *        [--operators dw,fuse_half] [--cpu-steps 1] [--cpu-batch 16] [--no-cpu] [--profile]
 *        [--python /usr/bin/python3]
 *
 * Ours and PyTorch are measured alternately for `rounds` rounds and the best round of each is kept,
 * so a burst of load from other processes on the machine hits neither side alone. The ratio is of
 * wall-clock images/s; the ratio of CPU time per step (each side's process, all threads, best
 * round) is printed beside it, as it is less sensitive to other load on the machine. The cpu backend
 * (~0.5 images/s) is measured once, on a smaller batch by default.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import * as tf from '@tensorflow/tfjs-core';

import { selectBackend, type BackendPreference, type BackendSelection } from '../src/backend/index.js';
import { buildTinyNet, tinyNetSpec, type BlockOperator } from './tiny-mobilenet.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));

export interface TfjsRunOptions {
  operator: BlockOperator;
  backend: BackendPreference;
  batch: number;
  warmup: number;
  steps: number;
  /** Collect per-kernel times over one extra step with tf.profile. */
  profile?: boolean;
}

export interface KernelTime {
  kernel: string;
  ms: number;
  calls: number;
}

export interface RunResult {
  engine: string;
  operator: BlockOperator;
  batch: number;
  steps: number;
  threads: number;
  imagesPerSec: number;
  msPerStep: number;
  /** CPU time of the process (all threads) per step: less sensitive to other load than wall time. */
  cpuMsPerStep: number;
  profile?: KernelTime[];
}

function randomBatch(batch: number, size: number, channels: number, classes: number): [tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const x = tf.randomNormal([batch, size, size, channels], 0, 1, 'float32', 1);
    const labels = tf.randomUniform([batch], 0, classes, 'int32', 2);
    return [x, tf.oneHot(labels as tf.Tensor1D, classes)];
  });
}

/** Trains the benchmark network on a tfjs backend and times `steps` training steps. */
export async function measureTfjsTraining(opts: TfjsRunOptions): Promise<RunResult & { selection: BackendSelection }> {
  const selection = await selectBackend(opts.backend);
  const spec = tinyNetSpec(opts.operator);
  const model = buildTinyNet(spec);
  const [x, y] = randomBatch(opts.batch, spec.inputSize, spec.inputChannels, spec.classes);
  for (let i = 0; i < opts.warmup; i++) await model.trainOnBatch(x, y);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < opts.steps; i++) await model.trainOnBatch(x, y);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  let profile: KernelTime[] | undefined;
  if (opts.profile === true) {
    const info = await tf.profile(async () => {
      await model.trainOnBatch(x, y);
    });
    const byName = new Map<string, KernelTime>();
    for (const k of info.kernels) {
      const e = byName.get(k.name) ?? { kernel: k.name, ms: 0, calls: 0 };
      e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      e.calls += 1;
      byName.set(k.name, e);
    }
    profile = [...byName.values()].sort((a, b) => b.ms - a.ms);
  }
  tf.dispose([x, y]);
  model.dispose();
  return {
    engine: `tfjs-${selection.name}`,
    selection,
    operator: opts.operator,
    batch: opts.batch,
    steps: opts.steps,
    threads: selection.threads ?? 1,
    imagesPerSec: (opts.batch * opts.steps * 1000) / ms,
    msPerStep: ms / opts.steps,
    cpuMsPerStep: (cpu.user + cpu.system) / 1000 / opts.steps,
    ...(profile === undefined ? {} : { profile }),
  };
}

export interface TorchRunOptions {
  operator: BlockOperator;
  batch: number;
  warmup: number;
  steps: number;
  threads: number;
  python?: string;
}

/** Runs the PyTorch peer (torch_train_throughput.py) as a subprocess. */
export async function measureTorchTraining(opts: TorchRunOptions): Promise<RunResult & { torch: string }> {
  const cfg = {
    spec: tinyNetSpec(opts.operator),
    batch: opts.batch,
    warmup: opts.warmup,
    steps: opts.steps,
    threads: opts.threads,
    seed: 1,
  };
  const python = opts.python ?? '/usr/bin/python3';
  const { stdout } = await run(python, [path.join(here, 'torch_train_throughput.py'), JSON.stringify(cfg)], {
    env: { ...process.env, OMP_NUM_THREADS: String(opts.threads), MKL_NUM_THREADS: String(opts.threads) },
  });
  const last = stdout.trim().split('\n').pop() ?? '';
  const r = JSON.parse(last) as { imagesPerSec: number; msPerStep: number; cpuMsPerStep: number; threads: number; torch: string };
  return {
    engine: 'pytorch-cpu',
    operator: opts.operator,
    batch: opts.batch,
    steps: opts.steps,
    threads: r.threads,
    imagesPerSec: r.imagesPerSec,
    msPerStep: r.msPerStep,
    cpuMsPerStep: r.cpuMsPerStep,
    torch: r.torch,
  };
}

export interface BenchOptions {
  operators: BlockOperator[];
  batch: number;
  warmup: number;
  steps: number;
  /** Alternating ours/PyTorch measurement rounds; the best round of each side is reported. */
  rounds: number;
  /** Steps (0 to skip) and batch of the brief cpu-backend measurement. */
  cpuSteps: number;
  cpuBatch: number;
  profile: boolean;
  python?: string;
}

export interface BenchReport {
  results: RunResult[];
  /** ours (wasm) / PyTorch images/s (wall clock), per operator. */
  ratios: Record<string, number>;
  /** The same from CPU time per step (PyTorch's / ours), per operator. */
  cpuRatios: Record<string, number>;
  backendReason: string;
}

export const defaultBenchOptions: BenchOptions = {
  operators: ['dw', 'fuse_half'],
  batch: 64,
  warmup: 2,
  steps: 8,
  rounds: 3,
  cpuSteps: 1,
  cpuBatch: 16,
  profile: false,
};

/** Runs every measurement of the benchmark; returns results and wasm/PyTorch ratios. */
export async function runTrainThroughputBench(
  options: Partial<BenchOptions> = {},
  onResult: (r: RunResult) => void = () => {},
): Promise<BenchReport> {
  const o = { ...defaultBenchOptions, ...options };
  const results: RunResult[] = [];
  const ratios: Record<string, number> = {};
  const cpuRatios: Record<string, number> = {};
  let backendReason = '';
  const best = <T extends RunResult>(a: T | undefined, b: T): T => (a === undefined || b.imagesPerSec > a.imagesPerSec ? b : a);
  for (const operator of o.operators) {
    let ours: (RunResult & { selection: BackendSelection }) | undefined;
    let torch: RunResult | undefined;
    let oursCpu = Infinity;
    let torchCpu = Infinity;
    for (let round = 0; round < Math.max(1, o.rounds); round++) {
      const r = await measureTfjsTraining({
        operator,
        backend: 'wasm',
        batch: o.batch,
        warmup: o.warmup,
        steps: o.steps,
        profile: o.profile && round === 0,
      });
      ours = best(ours, r.profile === undefined && ours?.profile !== undefined ? { ...r, profile: ours.profile } : r);
      const t = await measureTorchTraining({
        operator,
        batch: o.batch,
        warmup: o.warmup,
        steps: o.steps,
        threads: r.threads,
        ...(o.python === undefined ? {} : { python: o.python }),
      });
      torch = best(torch, t);
      oursCpu = Math.min(oursCpu, r.cpuMsPerStep);
      torchCpu = Math.min(torchCpu, t.cpuMsPerStep);
    }
    if (ours === undefined || torch === undefined) throw new Error('no measurement');
    backendReason = ours.selection.reason;
    results.push(ours, torch);
    onResult(ours);
    onResult(torch);
    ratios[operator] = ours.imagesPerSec / torch.imagesPerSec;
    cpuRatios[operator] = torchCpu / oursCpu;
    if (o.cpuSteps > 0) {
      const cpu = await measureTfjsTraining({
        operator,
        backend: 'cpu',
        batch: o.cpuBatch,
        warmup: 0,
        steps: o.cpuSteps,
      });
      results.push(cpu);
      onResult(cpu);
    }
  }
  return { results, ratios, cpuRatios, backendReason };
}

function parseArgs(argv: string[]): Partial<BenchOptions> {
  const o: Partial<BenchOptions> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    const num = (): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${a} expects a non-negative integer, got ${v}`);
      i++;
      return n;
    };
    switch (a) {
      case '--steps':
        o.steps = num();
        break;
      case '--warmup':
        o.warmup = num();
        break;
      case '--batch':
        o.batch = num();
        break;
      case '--rounds':
        o.rounds = num();
        break;
      case '--cpu-steps':
        o.cpuSteps = num();
        break;
      case '--cpu-batch':
        o.cpuBatch = num();
        break;
      case '--no-cpu':
        o.cpuSteps = 0;
        break;
      case '--profile':
        o.profile = true;
        break;
      case '--python':
        o.python = v;
        i++;
        break;
      case '--operators': {
        const ops = (v ?? '').split(',');
        for (const op of ops) if (op !== 'dw' && op !== 'fuse_half') throw new Error(`--operators: unknown ${op}`);
        o.operators = ops as BlockOperator[];
        i++;
        break;
      }
      default:
        throw new Error(`unknown argument ${a}`);
    }
  }
  return o;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const fmt = (r: RunResult): string =>
    `${r.engine.padEnd(12)} ${r.operator.padEnd(9)} batch ${String(r.batch).padStart(3)}  threads ${r.threads}` +
    `  ${r.imagesPerSec.toFixed(1).padStart(7)} images/s  ${r.msPerStep.toFixed(0).padStart(6)} ms/step` +
    `  ${r.cpuMsPerStep.toFixed(0).padStart(6)} cpu-ms/step`;
  const report = await runTrainThroughputBench(opts, (r) => {
    console.log(fmt(r));
    if (r.profile !== undefined) {
      const total = r.profile.reduce((s, k) => s + k.ms, 0);
      console.log(`  per-kernel time of one ${r.engine} step (${total.toFixed(0)} ms in kernels):`);
      for (const k of r.profile.slice(0, 15)) {
        console.log(`    ${k.kernel.padEnd(38)} ${k.ms.toFixed(1).padStart(7)} ms  ${String(k.calls).padStart(4)} calls`);
      }
    }
  });
  console.log(`backend: ${report.backendReason}`);
  for (const [op, ratio] of Object.entries(report.ratios)) {
    const cpuRatio = report.cpuRatios[op] ?? NaN;
    console.log(`ratio ours(wasm)/pytorch ${op}: ${ratio.toFixed(2)}  (goal ≥ 0.50; from CPU time per step: ${cpuRatio.toFixed(2)})`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
