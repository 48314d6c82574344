/**
 * Training speed at CIFAR scale: images/s of the real training loop (nos' `train`, as `fuselab
 * train` runs it: SGD-momentum, cosine, L2, batches gathered from a data set) on CIFAR-style
 * MobileNetV2 (32×32×3, 10 classes, stem and first strided stage at stride 1) at several widths,
 * against PyTorch on the CPU with every core (`--threads`, default the core count) training the same spec (torch_parity.py's
 * network, built from the same NetworkSpec JSON; parameter counts checked equal), measured in the
 * same run, alternating sides, best of `rounds`.
 *
 *   node --import tsx bench/network-throughput.ts [--network mobilenet_v2] [--widths 0.25,0.5,1]
 *        [--variants baseline,fuse_half] [--size 32] [--batch 64] [--warmup 2] [--steps 8] [--rounds 2]
 *        [--threads CORES] [--replicas CORES] [--python /usr/bin/python3] [--json]
 *
 * Prints per network: our images/s on one thread and with `--replicas` data-parallel threads
 * (`TrainOptions.replicas`; the wasm backend itself has no threads in Node), PyTorch's, and the
 * ratio ours (replicas) / PyTorch of images/s (wall clock) beside the ratio of CPU time per step.
 * PyTorch uses every core unless --threads says otherwise (0: PyTorch's own default, 1 thread for
 * Debian's build here): both sides on every core is the comparison a user makes.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

import { buildNetwork, type NetworkName, type NetworkSpec, type VariantName } from '@fuselab/fuseconv';
import { countTrainableParams } from '@fuselab/fuseconv/tfjs';

import { modelFromSpec, selectBackend, syntheticDataset, train } from '../src/index.js';
import { CLI_RECIPE } from './cli-recipe.js';
import { runPythonPeer } from './python-peer.js';

interface Side {
  imagesPerSec: number;
  msPerStep: number;
  cpuMsPerStep: number;
}

interface Options {
  replicas: number;
  batch: number;
  warmup: number;
  steps: number;
  threads: number;
  python: string;
}

/** Times `steps` steps of nos' training loop after `warmup` steps (timestamps of the step events). */
async function measureOurs(spec: NetworkSpec, o: Options, replicas: number): Promise<Side> {
  const count = (o.warmup + o.steps) * o.batch;
  const data = syntheticDataset({ count, size: spec.inputSize, channels: spec.inputChannels, numClasses: spec.numClasses, seed: 1 });
  let t0 = 0;
  let c0 = process.cpuUsage();
  let t1 = 0;
  let c1 = c0;
  await train(
    {
      model: { spec },
      train: data,
      epochs: 1,
      batchSize: o.batch,
      seed: 1,
      optimizer: { kind: 'sgd', momentum: CLI_RECIPE.momentum },
      learningRate: CLI_RECIPE.learningRate,
      schedule: { kind: 'cosine' },
      weightDecay: CLI_RECIPE.weightDecay,
      replicas,
    },
    {
      onProgress: (event) => {
        if (event.type !== 'step') return;
        if (event.step === o.warmup - 1) {
          t0 = performance.now();
          c0 = process.cpuUsage();
        }
        if (event.step === o.warmup + o.steps - 1) {
          t1 = performance.now();
          c1 = process.cpuUsage(c0);
        }
      },
    },
  );
  const ms = t1 - t0;
  return { imagesPerSec: (o.batch * o.steps * 1000) / ms, msPerStep: ms / o.steps, cpuMsPerStep: (c1.user + c1.system) / 1000 / o.steps };
}

async function measureTorch(spec: NetworkSpec, o: Options): Promise<Side & { params: number; threads: number; torch: string }> {
  const config = { spec, batch: o.batch, warmup: o.warmup, steps: o.steps, threads: o.threads, ...CLI_RECIPE };
  return runPythonPeer(o.python, 'torch_network_throughput.py', config);
}

const best = (sides: Side[]): Side => sides.reduce((a, b) => (b.imagesPerSec > a.imagesPerSec ? b : a));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      network: { type: 'string', default: 'mobilenet_v2' },
      widths: { type: 'string', default: '0.25,0.5,1' },
      variants: { type: 'string', default: 'baseline,fuse_half' },
      size: { type: 'string', default: '32' },
      batch: { type: 'string', default: '64' },
      warmup: { type: 'string', default: '2' },
      steps: { type: 'string', default: '8' },
      rounds: { type: 'string', default: '2' },
      // Debian's PyTorch 1.13 defaults to 1 intra-op thread on this machine; the peer uses
      // every core, so the default here is the machine's core count (0: PyTorch's own default).
      threads: { type: 'string', default: String(availableParallelism()) },
      replicas: { type: 'string', default: String(availableParallelism()) },
      python: { type: 'string', default: '/usr/bin/python3' },
      json: { type: 'boolean', default: false },
    },
  });
  const o: Options = {
    replicas: Number(values.replicas),
    batch: Number(values.batch),
    warmup: Number(values.warmup),
    steps: Number(values.steps),
    threads: Number(values.threads),
    python: values.python,
  };
  const selection = await selectBackend('auto');
  const log = (line: string) => (values.json ? process.stderr : process.stdout).write(`${line}\n`);
  log(
    `ours: tfjs-${selection.name}, 1 thread and ${o.replicas} data-parallel replicas; batch ${o.batch}, ${o.warmup} warm-up + ${o.steps} timed steps, best of ${values.rounds} rounds`,
  );
  log(
    `| network | width | variant | params | ours 1 thread | ours ${o.replicas} replicas | PyTorch images/s (threads) | ratio (${o.replicas} replicas) | CPU-time ratio |`,
  );
  log('|---|---|---|---|---|---|---|---|---|');
  const rows = [];
  for (const width of values.widths.split(',').map(Number)) {
    for (const variant of values.variants.split(',') as VariantName[]) {
      const spec = buildNetwork({
        network: values.network as NetworkName,
        variant,
        width,
        inputSize: Number(values.size),
        numClasses: 10,
        stem: 'cifar',
      });
      const probe = modelFromSpec(spec, { seed: 1 });
      const params = countTrainableParams(probe.model);
      probe.model.dispose();
      const single: Side[] = [];
      const ours: Side[] = [];
      const torch: Array<Awaited<ReturnType<typeof measureTorch>>> = [];
      for (let round = 0; round < Number(values.rounds); round++) {
        single.push(await measureOurs(spec, o, 1));
        ours.push(await measureOurs(spec, o, o.replicas));
        torch.push(await measureTorch(spec, o));
      }
      if (torch[0]!.params !== params) throw new Error(`${variant} w${width}: PyTorch has ${torch[0]!.params} parameters, ours ${params}`);
      const a = best(ours);
      const b = best(torch);
      const row = {
        network: values.network,
        width,
        variant,
        params,
        single: best(single),
        ours: a,
        torch: b,
        torchThreads: torch[0]!.threads,
        ratio: a.imagesPerSec / b.imagesPerSec,
        cpuRatio: b.cpuMsPerStep / a.cpuMsPerStep,
      };
      rows.push(row);
      log(
        `| ${row.network} | ${width} | ${variant} | ${params} | ${row.single.imagesPerSec.toFixed(0)} | ${a.imagesPerSec.toFixed(0)} | ${b.imagesPerSec.toFixed(0)} (${row.torchThreads}) | ${row.ratio.toFixed(2)} | ${row.cpuRatio.toFixed(2)} |`,
      );
    }
  }
  if (values.json) process.stdout.write(`${JSON.stringify({ backend: selection.name, ...o, rows })}\n`);
}

await main();
