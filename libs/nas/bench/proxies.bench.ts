/**
 * Benchmark: seconds per zero-cost proxy of a CIFAR-style MobileNetV2 (FuSe-half, width 0.25,
 * 32×32, batch 64) — ours (`scoreModel` on the wasm backend with fuselab's kernels, the backend
 * `fuselab score` uses, one thread) against PyTorch (torch_proxies.py, the same network and
 * definitions, on 1 thread and on every core) in the same run, best of `REPEATS` after a warm-up.
 * The issue's goal: one score well under a second, 50 networks × all proxies in minutes.
 * Ratios > 1 mean ours is faster. Needs /usr/bin/python3 with torch (Debian python3-torch).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildNetwork } from '@fuselab/fuseconv';
import { buildModel } from '@fuselab/fuseconv/tfjs';
import { selectBackend } from '@fuselab/nos';
import { quietTfjs, scoreModel } from '../src/proxies.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const PROXIES = ['grad_norm', 'snip', 'jacob_cov', 'naswot'] as const;
const REPEATS = 3;
const BATCH = 64;

interface PeerResult {
  torch: string;
  threads: number;
  seconds: Record<string, number>;
}

async function peer(spec: unknown, threads: number): Promise<PeerResult | string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fuselab-proxy-bench-'));
  try {
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ spec, batch: BATCH, repeats: REPEATS, threads, proxies: PROXIES }));
    const { stdout } = await run('/usr/bin/python3', [path.join(here, 'torch_proxies.py'), file], { maxBuffer: 1 << 20 });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as PeerResult;
  } catch (error) {
    return `PyTorch peer unavailable (${(error as Error).message.split('\n')[0]})`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runProxiesBench(): Promise<void> {
  quietTfjs();
  const spec = buildNetwork({ network: 'mobilenet_v2', variant: 'fuse_half', width: 0.25, inputSize: 32, numClasses: 10, stem: 'cifar' });
  const backend = await selectBackend('wasm');
  const built = buildModel(spec, { seed: 1 });
  const n = BATCH;
  const batch = {
    x: Float32Array.from({ length: n * 32 * 32 * 3 }, (_, i) => Math.sin(i * 0.37) + 0.3 * Math.cos(i * 0.011)),
    n,
    height: 32,
    width: 32,
    channels: 3,
    labels: Int32Array.from({ length: n }, (_, i) => i % 10),
  };
  const ours: Record<string, number> = {};
  for (const proxy of PROXIES) {
    await scoreModel(built.model, batch, [proxy], 1, { backend: backend.tfBackend }); // warm-up
    let best = Infinity;
    for (let r = 0; r < REPEATS; r++) {
      const start = performance.now();
      await scoreModel(built.model, batch, [proxy], 1, { backend: backend.tfBackend });
      best = Math.min(best, (performance.now() - start) / 1000);
    }
    ours[proxy] = best;
  }
  built.model.dispose();
  const one = await peer(spec, 1);
  const all = await peer(spec, availableParallelism());
  console.log(`\nproxies: mobilenet_v2 fuse_half w0.25 32×32 (cifar stem), batch ${BATCH}; seconds, best of ${REPEATS} after a warm-up`);
  for (const p of [one, all]) if (typeof p === 'string') console.log(p);
  const head = (p: PeerResult | string) => (typeof p === 'string' ? '—' : `torch ${p.threads}t`);
  console.log(
    `${'proxy'.padEnd(10)}${`ours (${backend.name} 1t)`.padStart(16)}${head(one).padStart(12)}${'ratio'.padStart(7)}${head(all).padStart(12)}${'ratio'.padStart(7)}`,
  );
  for (const proxy of PROXIES) {
    const cell = (p: PeerResult | string) =>
      typeof p === 'string' ? ['—', '—'] : [p.seconds[proxy]!.toFixed(3), (p.seconds[proxy]! / ours[proxy]!).toFixed(2)];
    const [a, ra] = cell(one);
    const [b, rb] = cell(all);
    console.log(
      `${proxy.padEnd(10)}${ours[proxy]!.toFixed(3).padStart(16)}${a!.padStart(12)}${ra!.padStart(7)}${b!.padStart(12)}${rb!.padStart(7)}`,
    );
  }
}
