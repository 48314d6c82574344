#!/usr/bin/env python3
"""Dump the exactness fixture of the `cifar` stem from the FuSeConv authors' reference PyTorch code.

The CIFAR adaptation removes a network's first two downsamplings: the stem conv gets stride 1 and
so do the stride-2 convolutions of the first block that has any. This script builds every
reference model (iitm-sysdl/FuSeConv, imported from --repo as dump_fuseconv_reference.py does),
sets those strides to 1 on the built PyTorch modules, runs one 1x3x32x32 forward pass with hooks
and records what fuseconv's `stem: 'cifar'` specs must reproduce. It shares no code with fuseconv:
the block to adapt is found from the PyTorch modules' own strides in forward order.

Usage (from the monorepo root):
  /usr/bin/python3 tools/reference/dump_cifar_stem.py --repo /tmp/fuseconv-ref --out-dir .

Writes libs/fuseconv/fixtures/reference-cifar-stem.json.
"""
import argparse
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dump_fuseconv_reference import NETWORKS, VARIANTS, HARDWARE, analyse_model, dump_json, load_reference, pair  # noqa: E402

INPUT_SHAPE = (1, 3, 32, 32)
NUM_CLASSES = 10
LATENCY_ARRAY = (64, 64)


def conv_calls(model, x):
    """Conv2d modules in forward (call) order."""
    order = []
    handles = [m.register_forward_hook(lambda m, i, o: order.append(m)) for m in model.modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        model(x)
    for h in handles:
        h.remove()
    return order


def adapt(model, x):
    """Stem conv stride 1, and stride 1 for every strided conv of the first block with one."""
    names = {m: n for n, m in model.named_modules()}
    calls = conv_calls(model, x)
    stem = calls[0]
    stem.stride = (1, 1)
    first = next(m for m in calls[1:] if max(pair(m.stride)) > 1)
    # The block is the module two levels down the model (features.N, layers.N).
    block = ".".join(names[first].split(".")[:2]) + "."
    adapted = [names[stem]]
    for m in calls[1:]:
        if names[m].startswith(block) and max(pair(m.stride)) > 1:
            m.stride = (1, 1)
            adapted.append(names[m])
    return adapted


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True, help="extracted checkout of iitm-sysdl/FuSeConv")
    ap.add_argument("--out-dir", required=True, help="monorepo root to write the fixture under")
    ap.add_argument("--commit", default="04cdf54abfdbf359235d1b4c0848f188b1abbf2d", help="reference commit to record")
    args = ap.parse_args()

    alm, factory = load_reference(args.repo)
    torch.manual_seed(0)
    x = torch.rand(INPUT_SHAPE)
    out = {}
    for net in NETWORKS:
        out[net] = {}
        for var in VARIANTS:
            model = factory(net, var)(NUM_CLASSES)
            model.eval()
            adapted = adapt(model, x)
            layers, _unused_modules, unused_params, _multi = analyse_model(model, x)
            spatial = [l for l in layers if l["type"] == "conv" and l["groups"] > 1]
            latency = {}
            for hw_ours, hw_theirs in HARDWARE.items():
                with torch.no_grad():
                    latency[hw_ours] = int(alm.getModelLatency(model, x, LATENCY_ARRAY[0], LATENCY_ARRAY[1], hw_theirs))
                # getModelLatency leaves its hooks registered: start again from a fresh adapted model.
                model = factory(net, var)(NUM_CLASSES)
                model.eval()
                adapt(model, x)
            out[net][var] = {
                "torchParams": int(sum(p.numel() for p in model.parameters())),
                "unusedParams": unused_params,
                "macs": int(sum(l["macs"] for l in layers)),
                "adaptedConvs": adapted,
                # The last block's depthwise/FuSe output: the feature map of the last stage.
                "lastFeatureMap": spatial[-1]["out_hw"],
                "latency64x64": latency,
                "layers": layers,
            }
            print(net, var, out[net][var]["torchParams"], out[net][var]["macs"], out[net][var]["lastFeatureMap"], adapted, file=sys.stderr)

    meta = {"reference": "iitm-sysdl/FuSeConv", "reference_commit": args.commit, "torch_version": torch.__version__,
            "input_shape": list(INPUT_SHAPE), "num_classes": NUM_CLASSES, "latency_array": list(LATENCY_ARRAY),
            "generator": "tools/reference/dump_cifar_stem.py"}
    dump_json(os.path.join(args.out_dir, "libs/fuseconv/fixtures/reference-cifar-stem.json"), {"meta": meta, "networks": out})


if __name__ == "__main__":
    main()
