#!/usr/bin/env python3
"""Peer for the sweep benchmark: the FuSeConv authors' analytical model doing the sweep's work.

Usage: /usr/bin/python3 reference_sweep.py --repo PATH_TO_FUSECONV_CHECKOUT --arrays 8,16,...
Prints one JSON document: {"seconds": wall time of the 150 getModelLatency calls, "totals": {...}}.
The reference is imported from the checkout given, never copied.
"""
import argparse
import json
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--repo', required=True)
    parser.add_argument('--arrays', default='8,16,32,64,128,256')
    args = parser.parse_args()
    sys.path.insert(0, args.repo)
    import torch
    torch.set_num_threads(1)
    import models as m
    from analyticalLatencyModel import getModelLatency

    constructors = {
        'mobilenet_v1': (m.MobileNetV1, m.MobileNetV1FuSeFull, m.MobileNetV1FuSeHalf, m.MobileNetV1FuSeFullHybrid, m.MobileNetV1FuSeHalfHybrid),
        'mobilenet_v2': (m.MobileNetV2, m.MobileNetV2FuSeFull, m.MobileNetV2FuSeHalf, m.MobileNetV2FuSeFullHybrid, m.MobileNetV2FuSeHalfHybrid),
        'mobilenet_v3_small': tuple((lambda n, c=c: c('small', n)) for c in (m.MobileNetV3, m.MobileNetV3FuSeFull, m.MobileNetV3FuSeHalf, m.MobileNetV3FuSeFullHybrid, m.MobileNetV3FuSeHalfHybrid)),
        'mobilenet_v3_large': tuple((lambda n, c=c: c('large', n)) for c in (m.MobileNetV3, m.MobileNetV3FuSeFull, m.MobileNetV3FuSeHalf, m.MobileNetV3FuSeFullHybrid, m.MobileNetV3FuSeHalfHybrid)),
        'mnasnet_b1': (m.MnasNet, m.MnasNetFuSeFull, m.MnasNetFuSeHalf, m.MnasNetFuSeFullHybrid, m.MnasNetFuSeHalfHybrid),
    }
    variants = ('baseline', 'fuse_full', 'fuse_half', 'fuse_full_50', 'fuse_half_50')
    arrays = [int(a) for a in args.arrays.split(',')]
    x = torch.rand([1, 3, 224, 224])
    totals = {}
    start = time.perf_counter()
    with torch.no_grad():
        for network, ctors in constructors.items():
            for variant, ctor in zip(variants, ctors):
                hardware = 'Systolic' if variant == 'baseline' else 'FuSe'
                for size in arrays:
                    # getModelLatency leaves its hooks on the model, so each call needs a fresh one.
                    model = ctor(1000).eval()
                    totals[f'{network}/{variant}/{size}'] = getModelLatency(model, x, size, size, hardware)
    seconds = time.perf_counter() - start
    json.dump({'seconds': seconds, 'totals': totals}, sys.stdout)


if __name__ == '__main__':
    main()
