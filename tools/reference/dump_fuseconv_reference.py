#!/usr/bin/env python3
"""Dump exactness fixtures from the FuSeConv authors' reference PyTorch code.

The reference code is NOT vendored here: it is imported from an extracted
checkout of iitm-sysdl/FuSeConv given with --repo.

Usage:
  /usr/bin/python3 tools/reference/dump_fuseconv_reference.py \
      --repo /tmp/fuseconv-ref --out-dir .

Writes (relative to --out-dir):
  libs/fuseconv/fixtures/reference-models.json
  libs/systolic-sim/fixtures/reference-latency.json
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

import torch
import torch.nn as nn

NETWORKS = ["mobilenet_v1", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large", "mnasnet_b1"]
VARIANTS = ["baseline", "fuse_full", "fuse_half", "fuse_full_50", "fuse_half_50"]
HARDWARE = {"plain": "Systolic", "fuse": "FuSe"}
ARRAYS = [(8, 8), (16, 16), (32, 32), (64, 64), (128, 128), (256, 256), (16, 64), (64, 16), (32, 128)]
PER_LAYER_ARRAY = (64, 64)
INPUT_SHAPE = (1, 3, 224, 224)


def load_reference(repo):
    sys.path.insert(0, os.path.abspath(repo))
    import analyticalLatencyModel as alm  # noqa: E402
    import models.mobilenetv1 as m1
    import models.mobilenetv2 as m2
    import models.mobilenetv3 as m3
    import models.mnasnet as mn

    suffix = {"baseline": "", "fuse_full": "FuSeFull", "fuse_half": "FuSeHalf",
              "fuse_full_50": "FuSeFullHybrid", "fuse_half_50": "FuSeHalfHybrid"}

    def factory(network, variant):
        s = suffix[variant]
        if network == "mobilenet_v1":
            fn = getattr(m1, "MobileNetV1" + s)
            return lambda nc: fn(nc)
        if network == "mobilenet_v2":
            fn = getattr(m2, "MobileNetV2" + s)
            return lambda nc: fn(nc)
        if network in ("mobilenet_v3_small", "mobilenet_v3_large"):
            fn = getattr(m3, "MobileNetV3" + s)
            mode = network.rsplit("_", 1)[1]
            return lambda nc: fn(mode, nc)
        if network == "mnasnet_b1":
            fn = getattr(mn, "MnasNet" + s)
            return lambda nc: fn(nc)
        raise KeyError(network)

    return alm, factory


def make_input():
    torch.manual_seed(0)
    return torch.rand(INPUT_SHAPE)


def pair(v):
    return [int(v[0]), int(v[1])] if isinstance(v, (tuple, list)) else [int(v), int(v)]


def analyse_model(model, x):
    """Forward once with hooks on every leaf module; record conv/linear calls."""
    names = {m: n for n, m in model.named_modules()}
    called = {}
    layers = []
    handles = []

    def hook(module, inp, out):
        name = names[module]
        called[name] = called.get(name, 0) + 1
        if isinstance(module, nn.Conv2d):
            t = inp[0]
            kh, kw = pair(module.kernel_size)
            layers.append({
                "name": name, "type": "conv",
                "in_hw": [int(t.shape[2]), int(t.shape[3])],
                "in_channels": int(module.in_channels), "out_channels": int(module.out_channels),
                "kernel": [kh, kw], "stride": pair(module.stride), "padding": pair(module.padding),
                "groups": int(module.groups), "bias": module.bias is not None,
                "out_hw": [int(out.shape[2]), int(out.shape[3])],
                "macs": int(out.shape[2]) * int(out.shape[3]) * kh * kw
                        * (int(module.in_channels) // int(module.groups)) * int(module.out_channels),
            })
        elif isinstance(module, nn.Linear):
            t = inp[0]
            assert t.dim() == 2 and t.shape[0] == 1
            layers.append({
                "name": name, "type": "linear", "in_hw": [1, 1],
                "in_channels": int(module.in_features), "out_channels": int(module.out_features),
                "kernel": [1, 1], "stride": [1, 1], "padding": [0, 0], "groups": 1,
                "bias": module.bias is not None, "out_hw": [1, 1],
                "macs": int(module.in_features) * int(module.out_features),
            })

    for n, m in model.named_modules():
        if len(list(m.children())) == 0:
            handles.append(m.register_forward_hook(hook))
    with torch.no_grad():
        model(x)
    for h in handles:
        h.remove()

    unused_modules = []
    unused_params = 0
    for n, m in model.named_modules():
        if len(list(m.children())) == 0 and n not in called:
            p = sum(q.numel() for q in m.parameters(recurse=False))
            if p > 0:
                unused_modules.append({"name": n, "type": type(m).__name__, "params": int(p)})
                unused_params += p
    # sanity: no parameters owned directly by non-leaf modules
    for n, m in model.named_modules():
        if len(list(m.children())) > 0:
            assert sum(q.numel() for q in m.parameters(recurse=False)) == 0, n
    multi_called = sorted(n for n, c in called.items() if c > 1)
    return layers, unused_modules, int(unused_params), multi_called


def fuse_blocks(model):
    """Names of direct blocks (one level below the block container) that contain a 1xK/Kx1 conv."""
    out = []
    for n, m in model.named_modules():
        if isinstance(m, nn.Conv2d) and m.groups > 1 and pair(m.kernel_size)[0] != pair(m.kernel_size)[1]:
            parent = n.rsplit(".", 1)[0]
            if parent not in out:
                out.append(parent)
    return out


def latency_run(alm, factory, x, ax, ay, hw, per_layer):
    # Total: their getModelLatency, untouched, on a fresh model (it leaves hooks registered).
    model = factory(1000)
    model.eval()
    with torch.no_grad():
        total = alm.getModelLatency(model, x, ax, ay, hw)
    # Breakdown: their ForwardHook class, registered exactly as getModelLatency does, on a fresh model.
    model = factory(1000)
    model.eval()
    hookfn = alm.ForwardHook(ax, ay, hw)
    per = []
    names = {m: n for n, m in model.named_modules()}

    def wrapped(module, mi, mo):
        before = hookfn.latency.time
        hookfn(module, mi, mo)
        per.append({"name": names[module], "cycles": int(hookfn.latency.time - before)})

    for layer in model.modules():
        if isinstance(layer, nn.Conv2d) or isinstance(layer, nn.Linear):
            layer.register_forward_hook(wrapped if per_layer else hookfn)
    with torch.no_grad():
        model(x)
    lat = hookfn.latency
    assert lat.time == total, (lat.time, total)
    assert lat.time == lat.pointwiseConv + lat.depthwiseConv + lat.otherConv
    res = {"total": int(total), "pointwiseConv": int(lat.pointwiseConv),
           "depthwiseConv": int(lat.depthwiseConv), "otherConv": int(lat.otherConv)}
    return res, (per if per_layer else None)


def dump_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True, help="extracted checkout of iitm-sysdl/FuSeConv")
    ap.add_argument("--out-dir", required=True, help="monorepo root to write fixtures under")
    ap.add_argument("--commit", default=None, help="reference commit hash to record (default: git rev-parse in --repo if possible)")
    args = ap.parse_args()

    alm, factory = load_reference(args.repo)
    commit = args.commit
    if commit is None:
        try:
            commit = subprocess.check_output(["git", "-C", args.repo, "rev-parse", "HEAD"],
                                             stderr=subprocess.DEVNULL).decode().strip()
        except Exception:
            commit = "unknown"
    meta = {"reference": "iitm-sysdl/FuSeConv", "reference_commit": commit,
            "torch_version": torch.__version__, "input_shape": list(INPUT_SHAPE),
            "generator": "tools/reference/dump_fuseconv_reference.py"}

    x = make_input()
    models_out = {}
    latency_out = {}
    for net in NETWORKS:
        models_out[net] = {}
        latency_out[net] = {}
        for var in VARIANTS:
            f = factory(net, var)
            model = f(1000)
            model.eval()
            torch_params = sum(p.numel() for p in model.parameters())
            layers, unused_modules, unused_params, multi = analyse_model(model, x)
            m10 = f(10)
            models_out[net][var] = {
                "torchParams": int(torch_params),
                "torchParams10": int(sum(p.numel() for p in m10.parameters())),
                "unusedParams": unused_params,
                "unusedModules": unused_modules,
                "modulesCalledMoreThanOnce": multi,
                "fuseBlocks": fuse_blocks(model),
                "macs": int(sum(l["macs"] for l in layers)),
                "layers": layers,
            }
            entry = {}
            for hw_ours, hw_theirs in HARDWARE.items():
                entry[hw_ours] = {}
                for ax, ay in ARRAYS:
                    key = f"{ax}x{ay}"
                    res, per = latency_run(alm, f, x, ax, ay, hw_theirs, (ax, ay) == PER_LAYER_ARRAY)
                    if per is not None:
                        res["perLayer"] = per
                    entry[hw_ours][key] = res
            latency_out[net][var] = entry
            print(net, var, torch_params, unused_params, models_out[net][var]["macs"],
                  entry["fuse"]["64x64"]["total"], file=sys.stderr)

    speedup = {}
    for net in NETWORKS:
        base = latency_out[net]["baseline"]["plain"]["64x64"]["total"]
        speedup[net] = {var: base / latency_out[net][var]["fuse"]["64x64"]["total"] for var in VARIANTS}

    dump_json(os.path.join(args.out_dir, "libs/fuseconv/fixtures/reference-models.json"),
              {"meta": meta, "networks": models_out})
    dump_json(os.path.join(args.out_dir, "libs/systolic-sim/fixtures/reference-latency.json"),
              {"meta": dict(meta, arrays=[f"{a}x{b}" for a, b in ARRAYS],
                            hardware={"plain": "Systolic", "fuse": "FuSe"},
                            perLayerArray="64x64"),
               "networks": latency_out,
               "speedup64x64": speedup})


if __name__ == "__main__":
    main()
