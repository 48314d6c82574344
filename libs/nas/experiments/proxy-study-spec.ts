/**
 * Writes the campaign spec of the zero-cost proxy study (examples/cifar10-proxy-study.yaml): 50
 * CIFAR-style MobileNetV2 networks from the per-block space {dw, fuse_half, fuse_full}^17, each
 * trained briefly on CIFAR-10 with one fixed recipe and two seeds.
 *
 * Sampling: network i (0…49) makes each block FuSe with probability i/49 (then half or full with
 * even odds), else depthwise — so the 50 span all-depthwise to all-FuSe instead of clustering
 * around one third of each, as uniform per-block sampling would. Seeded (Rng 2026), deterministic.
 *
 *   node --import tsx libs/nas/experiments/proxy-study-spec.ts > examples/cifar10-proxy-study.yaml
 *
 * With `--paths` it prints the 50 operator lists alone, as the JSON array `fuselab supernet --paths`
 * scores (the supernet study scores the same networks).
 */
import { buildNetwork, type BlockOperator } from '@fuselab/fuseconv';
import { Rng } from '../src/rng.js';

const NETWORKS = 50;
const blocks = buildNetwork({ network: 'mobilenet_v2' }).operators.length;
const rng = new Rng(2026);
const seen = new Set<string>();
const lists: BlockOperator[][] = [];
while (lists.length < NETWORKS) {
  const p = lists.length / (NETWORKS - 1);
  const ops = Array.from({ length: blocks }, (): BlockOperator => (rng.next() < p ? (rng.next() < 0.5 ? 'fuse_half' : 'fuse_full') : 'dw'));
  const id = ops.join(',');
  if (seen.has(id)) continue; // all-dw can come twice at p ≈ 0; draw again
  seen.add(id);
  lists.push(ops);
}

if (process.argv.includes('--paths')) {
  console.log(JSON.stringify(lists));
  process.exit(0);
}

console.log(`# The zero-cost proxy study (libs/nas/README.md, "Proxy study"): ${NETWORKS} networks of the per-block
# space {dw, fuse_half, fuse_full}^${blocks} of a CIFAR-style MobileNetV2 (width 0.25), each trained briefly on
# CIFAR-10 with one fixed recipe and two seeds: ${NETWORKS * 2} training jobs on fuselab-train.
# Written by libs/nas/experiments/proxy-study-spec.ts (network i makes each block FuSe with
# probability i/${NETWORKS - 1}; seeded); do not edit by hand.
#
# The recipe: the first 4,000 training images of the archive (class-mixed order) for 4 epochs (250
# steps), tested on the first 4,000 test images, SGD 0.05 momentum 0.9, cosine, batch 64, no
# augmentation — brief, but past the point where the networks learn: with 1 epoch of 2,000 images
# (31 steps) 20 trained jobs scored 9.9–14.4 % (chance is 10 %) and their train loss was still
# above ln 10, so that ranking would have been noise. (In the NOS study — same network and data, a
# 6-epoch augmented schedule — the baseline reached 13.6, 23.6, 30.9, 35.6 % after epochs 1–4.)
# Cost here: seed 1's 50 jobs took 187 min with two workers sharing the 2 cores (~7.5 min per
# job), so ~6 h for the 100; more workers divide it. Results so far: libs/nas/experiments/results/.
#
#   mkdir -p .fuselab/data && cp /path/to/cifar10-jpeg.tar.gz .fuselab/data/
#   npx fuselab campaign run examples/cifar10-proxy-study.yaml
name: cifar10-proxy-study
seed: 0
trainings:
  - name: sampled
    dataset: folder
    data: .fuselab/data/cifar10-jpeg.tar.gz
    network: mobilenet_v2
    width: 0.25
    epochs: 4
    limit: 4000
    batch: 64
    seeds: [1, 2]
    operators:`);
for (const ops of lists) console.log(`      - [${ops.join(', ')}]`);
