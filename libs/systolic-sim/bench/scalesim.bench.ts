/**
 * Benchmark: the `scalesim` model against SCALE-Sim v2 itself, on SCALE-Sim's mobilenet.csv with
 * its scale.cfg (32×32, output stationary), in one run. Times our model, runs SCALE-Sim as a
 * subprocess (when a Python that can `import scalesim` is available), checks that every per-layer
 * number agrees, and prints the speed ratio.
 *
 *   node --import tsx bench/scalesim.bench.ts
 *
 * Environment: SCALESIM_PYTHON (default python3), SCALESIM_SRC (a scale-sim-v2 checkout, added to
 * PYTHONPATH; not needed when scalesim is pip-installed).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readScaleSimReports, type ScaleSimReportRow } from './scalesim-reports.js';
import {
  parseScaleSimConfig,
  parseScaleSimTopologyCsv,
  simulateScaleSimTopology,
  type ScaleSimLayerResult,
} from '../src/scalesim/index.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/scalesim/', import.meta.url));
const CONFIG = join(FIXTURES, 'configs/scale.cfg');
const TOPOLOGY = join(FIXTURES, 'topologies/mobilenet.csv');

export interface ScaleSimBenchOptions {
  python?: string;
  scalesimSrc?: string;
  /** Timed runs of our model (after the first, cold one). */
  runs?: number;
  /** Where progress lines go (default: stderr). */
  log?: (line: string) => void;
}

export interface ScaleSimBenchResult {
  name: string;
  layers: number;
  /** Our model: first (cold) run and median of the warm runs, in ms. */
  oursColdMs: number;
  oursWarmMs: number;
  /** SCALE-Sim's run_scale() time in ms, or null when skipped. */
  scaleSimMs: number | null;
  /** SCALE-Sim time / our time. */
  ratioCold: number | null;
  ratioWarm: number | null;
  /** Whether every per-layer field agreed (null when SCALE-Sim was skipped). */
  agree: boolean | null;
  mismatches: string[];
  skipped?: string;
}

type Numbers = ScaleSimReportRow;

function ours(): ScaleSimLayerResult[] {
  const config = parseScaleSimConfig(readFileSync(CONFIG, 'utf8'));
  const topology = parseScaleSimTopologyCsv(readFileSync(TOPOLOGY, 'utf8'), 'mobilenet.csv');
  return simulateScaleSimTopology(topology, config).layers;
}

// Runs SCALE-Sim's own API (the same calls as its scale.py, without traces or progress output) and
// times run_scale() only, so Python's start-up and imports are not counted against it.
const DRIVER = `
import json, sys, time
from scalesim.scale_sim import scalesim
s = scalesim(save_disk_space=True, verbose=False, config=sys.argv[1], topology=sys.argv[2], input_type_gemm=False)
start = time.perf_counter()
s.run_scale(top_path=sys.argv[3])
print(json.dumps({"seconds": time.perf_counter() - start, "run": s.config.get_run_name()}))
`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function runScaleSimBench(options: ScaleSimBenchOptions = {}): ScaleSimBenchResult {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const python = options.python ?? process.env.SCALESIM_PYTHON ?? 'python3';
  const src = options.scalesimSrc ?? process.env.SCALESIM_SRC;
  const env = { ...process.env, ...(src ? { PYTHONPATH: [src, process.env.PYTHONPATH].filter(Boolean).join(':') } : {}) };
  const name = 'scalesim model vs SCALE-Sim v2 (mobilenet.csv, scale.cfg: 32×32 os)';

  let start = performance.now();
  const layers = ours();
  const oursColdMs = performance.now() - start;
  const warm: number[] = [];
  for (let i = 0; i < (options.runs ?? 5); i++) {
    start = performance.now();
    ours();
    warm.push(performance.now() - start);
  }
  const oursWarmMs = median(warm);
  const result: ScaleSimBenchResult = {
    name,
    layers: layers.length,
    oursColdMs,
    oursWarmMs,
    scaleSimMs: null,
    ratioCold: null,
    ratioWarm: null,
    agree: null,
    mismatches: [],
  };

  const probe = spawnSync(python, ['-c', 'import scalesim.scale_sim'], { env, encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    result.skipped = `SCALE-Sim not run: "${python} -c 'import scalesim.scale_sim'" failed (${probe.error?.message ?? probe.stderr.trim().split('\n').pop()}). Set SCALESIM_PYTHON to a Python with SCALE-Sim v2 installed, or SCALESIM_SRC to a scale-sim-v2 checkout.`;
    return result;
  }

  log('running SCALE-Sim v2 on mobilenet.csv (this takes minutes)…');
  const out = mkdtempSync(join(tmpdir(), 'scalesim-bench-'));
  try {
    const run = spawnSync(python, ['-c', DRIVER, CONFIG, TOPOLOGY, out], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (run.status !== 0) throw new Error(`SCALE-Sim failed: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const { seconds, run: runName } = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as { seconds: number; run: string };
    result.scaleSimMs = seconds * 1000;
    const expected = readScaleSimReports(join(out, runName));
    if (expected.length !== layers.length) result.mismatches.push(`layer count: ours ${layers.length}, SCALE-Sim ${expected.length}`);
    expected.forEach((row, i) => {
      const mine = layers[i];
      if (!mine) return;
      for (const [field, value] of Object.entries(row) as [keyof Numbers, number][]) {
        if (mine[field] !== value) result.mismatches.push(`${mine.name}.${field}: ours ${mine[field]}, SCALE-Sim ${value}`);
      }
    });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  result.agree = result.mismatches.length === 0;
  result.ratioCold = result.scaleSimMs / oursColdMs;
  result.ratioWarm = result.scaleSimMs / oursWarmMs;
  return result;
}

function report(result: ScaleSimBenchResult): string {
  if (result.skipped) return `${result.name}: skipped — ${result.skipped}`;
  const lines = [
    result.name,
    `  numbers: ${result.agree ? `all ${result.layers} layers × 11 fields identical` : `${result.mismatches.length} mismatches`}`,
    ...result.mismatches.slice(0, 10).map((m) => `    ${m}`),
    `  speed-up: ${result.ratioCold!.toFixed(0)}× (our first run, cold) / ${result.ratioWarm!.toFixed(0)}× (median warm run)`,
    `  (SCALE-Sim run_scale ${(result.scaleSimMs! / 1000).toFixed(1)} s; ours ${result.oursColdMs.toFixed(0)} ms cold, ${result.oursWarmMs.toFixed(0)} ms warm)`,
  ];
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = runScaleSimBench();
  process.stdout.write(`${report(result)}\n`);
  if (result.agree === false || (result.ratioCold !== null && result.ratioCold < 100)) process.exitCode = 1;
}

export { report as formatScaleSimBench };
