/**
 * Benchmark: the paper sweep — 5 networks × 5 variants × arrays 8…256 (150 totals) — with our
 * `reference` model, against the FuSeConv authors' Python model doing the same work in the same run.
 *
 * Our topologies come from the reference networks' recorded layer calls
 * (../../fuseconv/fixtures/reference-models.json), so this package needs no network definitions.
 * The peer needs a checkout of iitm-sysdl/FuSeConv (FUSECONV_REPO=path) and Python with torch
 * (FUSELAB_PYTHON, default /usr/bin/python3); without them only our side is timed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { makeArray, totalCycles, type Layer, type Topology } from '../src/index.js';

const ARRAYS = [8, 16, 32, 64, 128, 256];
const VARIANTS = ['baseline', 'fuse_full', 'fuse_half', 'fuse_full_50', 'fuse_half_50'];

interface RecordedLayer {
  name: string;
  type: 'conv' | 'linear';
  in_hw: [number, number];
  in_channels: number;
  out_channels: number;
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  groups: number;
}

function toLayer(call: RecordedLayer): Layer {
  if (call.type === 'linear') return { name: call.name, kind: 'gemm', m: 1, k: call.in_channels, n: call.out_channels };
  const [kernelH, kernelW] = call.kernel;
  const grouped = call.groups > 1;
  const kind = grouped
    ? kernelH === 1 || kernelW === 1
      ? 'depthwise1d'
      : 'depthwise'
    : kernelH === 1 && kernelW === 1
      ? 'pointwise'
      : 'conv';
  return {
    name: call.name,
    kind,
    ifmapH: call.in_hw[0],
    ifmapW: call.in_hw[1],
    kernelH,
    kernelW,
    channels: call.in_channels,
    filters: call.out_channels,
    strideH: call.stride[0],
    strideW: call.stride[1],
    padH: call.padding[0],
    padW: call.padding[1],
  };
}

function loadTopologies(): Map<string, Topology> {
  const path = fileURLToPath(new URL('../../fuseconv/fixtures/reference-models.json', import.meta.url));
  const fixture = JSON.parse(readFileSync(path, 'utf8')) as { networks: Record<string, Record<string, { layers: RecordedLayer[] }>> };
  const topologies = new Map<string, Topology>();
  for (const [network, variants] of Object.entries(fixture.networks)) {
    for (const [variant, record] of Object.entries(variants)) topologies.set(`${network}/${variant}`, record.layers.map(toLayer));
  }
  return topologies;
}

function sweep(topologies: Map<string, Topology>): Map<string, number> {
  const totals = new Map<string, number>();
  for (const [key, topology] of topologies) {
    const variant = key.split('/')[1]!;
    const hardware = variant === 'baseline' ? 'plain' : 'fuse';
    for (const size of ARRAYS) totals.set(`${key}/${size}`, totalCycles(topology, makeArray(size, size, { hardware }), 'reference'));
  }
  return totals;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export function runSweepBench(): { oursMs: number; peerMs: number | null } {
  const topologies = loadTopologies();
  if (topologies.size !== 25 || ![...topologies.keys()].every((key) => VARIANTS.includes(key.split('/')[1]!))) {
    throw new Error(`expected 25 network×variant topologies in the fixture, found ${topologies.size}`);
  }
  const times: number[] = [];
  let totals = new Map<string, number>();
  for (let run = 0; run < 50; run++) {
    const start = process.hrtime.bigint();
    totals = sweep(topologies);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const oursMs = median(times);
  console.log(`sweep, ours: ${totals.size} totals in ${oursMs.toFixed(2)} ms (median of ${times.length} runs; goal < 50 ms)`);

  const repo = process.env.FUSECONV_REPO;
  const python = process.env.FUSELAB_PYTHON ?? '/usr/bin/python3';
  if (!repo || !existsSync(repo)) {
    console.log(
      'sweep, reference: skipped — set FUSECONV_REPO to a checkout of iitm-sysdl/FuSeConv (and FUSELAB_PYTHON to a Python with torch) to time the peer',
    );
    return { oursMs, peerMs: null };
  }
  const script = fileURLToPath(new URL('./reference_sweep.py', import.meta.url));
  const peer = spawnSync(python, [script, '--repo', repo, '--arrays', ARRAYS.join(',')], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (peer.status !== 0) {
    console.log(`sweep, reference: failed to run (${peer.stderr.trim().split('\n').pop()})`);
    return { oursMs, peerMs: null };
  }
  const result = JSON.parse(peer.stdout) as { seconds: number; totals: Record<string, number> };
  const mismatches = [...totals].filter(([key, value]) => result.totals[key] !== value);
  const peerMs = result.seconds * 1000;
  console.log(`sweep, reference (Python, torch forward hooks): ${Object.keys(result.totals).length} totals in ${peerMs.toFixed(0)} ms`);
  console.log(
    `sweep: totals ${mismatches.length === 0 ? 'identical' : `DIFFER in ${mismatches.length} cases`}; ours is ${(peerMs / oursMs).toFixed(0)}x faster`,
  );
  return { oursMs, peerMs };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) runSweepBench();
