#!/usr/bin/env python3
"""Evaluates the FuSeConv authors' gemmCycles and FuSeCycles on random layer shapes.

Usage: /usr/bin/python3 dump_formula_cases.py --repo PATH_TO_FUSECONV_CHECKOUT --out FILE.json

The functions are imported from the checkout (analyticalLatencyModel.py needs torch only to import);
nothing of theirs is copied. The output is the fixture libs/systolic-sim/fixtures/reference-formula-cases.json.
"""
import argparse
import json
import random
import sys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--repo', required=True)
    parser.add_argument('--out', required=True)
    parser.add_argument('--seed', type=int, default=2021)
    parser.add_argument('--count', type=int, default=400)
    args = parser.parse_args()
    sys.path.insert(0, args.repo)
    from analyticalLatencyModel import gemmCycles, FuSeCycles  # noqa: E402

    rng = random.Random(args.seed)
    cases = []
    for i in range(args.count):
        rows = rng.choice([1, 2, 3, 7, 8, 16, 31, 32, 64, 100, 128, 256])
        cols = rng.choice([1, 2, 5, 8, 16, 32, 48, 64, 128, 256])
        k = rng.choice([1, 3, 5, 7])
        kh, kw = (k, k) if i % 3 == 0 else ((1, k) if i % 3 == 1 else (k, 1))
        h = rng.randint(max(kh, 1), 240)
        w = rng.randint(max(kw, 1), 240)
        channels = rng.choice([1, 3, 16, 24, 57, 96, 240, 960])
        filters = rng.choice([1, 8, 33, 64, 1000])
        stride = rng.choice([1, 2])
        batch = rng.choice([1, 1, 1, 2, 4])
        gemm = gemmCycles(rows, cols, h, w, kh, kw, channels, stride, stride, filters, batch)
        fuse = FuSeCycles(rows, cols, h, w, kh, kw, channels, stride, stride, filters, batch)
        cases.append({
            'rows': rows, 'cols': cols, 'paddedH': h, 'paddedW': w, 'kernelH': kh, 'kernelW': kw,
            'channels': channels, 'filters': filters, 'stride': stride, 'batch': batch,
            'gemmCycles': gemm, 'fuseCycles': fuse,
        })
    with open(args.out, 'w') as f:
        json.dump({'seed': args.seed, 'cases': cases}, f, indent=1, sort_keys=True)
        f.write('\n')


if __name__ == '__main__':
    main()
