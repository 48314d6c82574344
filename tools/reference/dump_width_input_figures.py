#!/usr/bin/env python3
"""Params and MACs of the FuSeConv reference models at other widths and input sizes.

The figures checked by libs/fuseconv/src/build.test.ts ("width multiplier and input size follow
the reference"). The reference code is NOT vendored here: it is imported from an extracted checkout
of iitm-sysdl/FuSeConv given with --repo. The published factory functions (MobileNetV2FuSeHalf(nc)
…) take no width or input size, so the models are built with the classes behind them:
MobileNetV2Class(block, 1000, width_mult=w), MobileNetV3Class(block, 1000, mode, width_mult=w),
MnasNetClass(block, 1000, input_size=s, width_mult=w), and MobileNet(block, 1000) with the class
attribute depth_mul = w (how that code scales MobileNetV1).

Counting is the same as dump_fuseconv_reference.py's: sum(p.numel()) and the Conv2d/Linear MACs of
one eval-mode forward pass on a 1x3xSxS input.

Usage (from the monorepo root):
  /usr/bin/python3 tools/reference/dump_width_input_figures.py \
      --repo /tmp/fuseconv-ref --out-dir .

Writes libs/fuseconv/fixtures/reference-widths.json.
"""
import argparse
import os
import subprocess
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dump_fuseconv_reference import analyse_model, dump_json  # noqa: E402

# network, variant, width, input size: every width the paper's code supports on each network, and
# input sizes the builders handle differently (96/160 for pooling, 32 for a 1×1 final map).
CASES = [
    *[(n, v, 0.5, 224) for n in ["mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large", "mnasnet_b1", "mobilenet_v1"]
      for v in ["baseline", "fuse_full", "fuse_half"]],
    ("mobilenet_v2", "baseline", 0.75, 224),
    ("mobilenet_v2", "fuse_half", 0.75, 224),
    ("mobilenet_v3_small", "fuse_full", 0.75, 224),
    ("mobilenet_v3_large", "baseline", 0.75, 224),
    ("mnasnet_b1", "fuse_half", 0.75, 224),
    ("mobilenet_v1", "fuse_full", 0.75, 224),
    ("mobilenet_v2", "baseline", 1.4, 224),
    ("mobilenet_v2", "fuse_full", 1.4, 224),
    ("mobilenet_v3_small", "fuse_half", 1.4, 224),
    ("mobilenet_v3_large", "fuse_full", 1.4, 224),
    ("mnasnet_b1", "baseline", 1.4, 224),
    ("mnasnet_b1", "fuse_full", 1.4, 224),
    ("mobilenet_v1", "baseline", 1.4, 224),
    ("mobilenet_v1", "fuse_full", 1.4, 224),
    ("mobilenet_v2", "baseline", 1, 160),
    ("mobilenet_v2", "fuse_half", 1, 96),
    ("mobilenet_v3_large", "fuse_full", 1, 160),
    ("mnasnet_b1", "fuse_half", 1, 96),
    ("mobilenet_v1", "fuse_full", 1, 32),
    ("mobilenet_v2", "fuse_half", 1, 32),
]


def builder(repo):
    sys.path.insert(0, os.path.abspath(repo))
    import models.mnasnet as mn
    import models.mobilenetv1 as m1
    import models.mobilenetv2 as m2
    import models.mobilenetv3 as m3

    blocks = {
        "mobilenet_v1": {"baseline": m1.Block, "fuse_full": m1.FuSeFullBlock, "fuse_half": m1.FuSeHalfBlock},
        "mobilenet_v2": {"baseline": m2.InvertedResidual, "fuse_full": m2.InvertedResidualFull, "fuse_half": m2.InvertedResidualHalf},
        "mobilenet_v3": {"baseline": m3.MobileBottleneck, "fuse_full": m3.MobileBottleneckFull, "fuse_half": m3.MobileBottleneckHalf},
        "mnasnet_b1": {"baseline": mn.InvertedResidual, "fuse_full": mn.InvertedResidualFull, "fuse_half": mn.InvertedResidualHalf},
    }

    def build(network, variant, width, size):
        if network == "mobilenet_v1":
            # depth_mul is a class attribute read in __init__; a subclass keeps the original intact.
            cls = type("MobileNetScaled", (m1.MobileNet,), {"depth_mul": width})
            return cls(blocks[network][variant], 1000)
        if network == "mobilenet_v2":
            return m2.MobileNetV2Class(blocks[network][variant], 1000, width_mult=width)
        if network.startswith("mobilenet_v3"):
            return m3.MobileNetV3Class(blocks["mobilenet_v3"][variant], 1000, network.rsplit("_", 1)[1], width_mult=width)
        if network == "mnasnet_b1":
            return mn.MnasNetClass(blocks[network][variant], 1000, input_size=size, width_mult=width)
        raise KeyError(network)

    return build


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True, help="extracted checkout of iitm-sysdl/FuSeConv")
    ap.add_argument("--out-dir", required=True, help="monorepo root to write the fixture under")
    ap.add_argument("--commit", default=None, help="reference commit to record (default: git rev-parse in --repo if possible)")
    args = ap.parse_args()

    build = builder(args.repo)
    commit = args.commit
    if commit is None:
        try:
            commit = subprocess.check_output(["git", "-C", args.repo, "rev-parse", "HEAD"], stderr=subprocess.DEVNULL).decode().strip()
        except Exception:
            commit = "unknown"
    rows = []
    for network, variant, width, size in CASES:
        model = build(network, variant, width, size)
        model.eval()
        torch.manual_seed(0)
        layers, _, _, _ = analyse_model(model, torch.rand(1, 3, size, size))
        params = int(sum(p.numel() for p in model.parameters()))
        macs = int(sum(layer["macs"] for layer in layers))
        rows.append({"network": network, "variant": variant, "width": width, "inputSize": size, "params": params, "macs": macs})
        print(network, variant, width, size, params, macs, file=sys.stderr)
    meta = {"reference": "iitm-sysdl/FuSeConv", "reference_commit": commit, "torch_version": torch.__version__,
            "classes": 1000, "generator": "tools/reference/dump_width_input_figures.py"}
    dump_json(os.path.join(args.out_dir, "libs/fuseconv/fixtures/reference-widths.json"), {"meta": meta, "cases": rows})


if __name__ == "__main__":
    main()
