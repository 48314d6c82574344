"""PyTorch peer of proxies.bench.ts: seconds per zero-cost proxy of a fuseconv NetworkSpec.

Usage: /usr/bin/python3 torch_proxies.py CONFIG.json   with keys
  spec (a NetworkSpec, as buildNetwork returns it), batch, repeats, threads (0 = PyTorch's
  default), proxies (names among grad_norm, snip, jacob_cov, naswot).
The network is libs/nos/bench/torch_parity.py's Net (the same layers as fuseconv's tfjs model, by
construction). The proxies follow the published implementations as libs/nas/README.md writes
them down (SamsungLabs/zero-cost-nas for grad_norm, snip and jacob_cov; BayesWatch's NASWOT):
training-mode BatchNorm, dropout off, scored weights the conv and linear kernels. Inputs: normal
random images and random labels, seeded. Prints one JSON line
{"torch", "threads", "params", "seconds": {proxy: best of `repeats`}, "scores": {proxy: value}}.
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "nos", "bench"))
from torch_parity import Net  # noqa: E402


def scored(model):
    return [m.weight for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def grad_norm(model, x, y):
    model.zero_grad(set_to_none=True)
    F.cross_entropy(model(x), y).backward()
    return float(sum(w.grad.norm() for w in scored(model)))


def snip(model, x, y):
    model.zero_grad(set_to_none=True)
    F.cross_entropy(model(x), y).backward()
    return float(sum((w * w.grad).abs().sum() for w in scored(model)))


def jacob_cov(model, x, y):
    x = x.clone().requires_grad_(True)
    out = model(x)
    out.backward(torch.ones_like(out))
    jac = x.grad.reshape(x.shape[0], -1).numpy()
    corr = np.corrcoef(jac)
    v, _ = np.linalg.eig(corr)
    k = 1e-5
    return float(-np.sum(np.log(v.real + k) + 1.0 / (v.real + k)))


def naswot(model, x, y):
    n = x.shape[0]
    kernel = torch.zeros(n, n)

    def hook(_module, _inputs, out):
        nonlocal kernel
        codes = (out.reshape(n, -1) > 0).float()
        units = codes.shape[1]
        on = codes.sum(1)
        kernel += 2 * codes @ codes.t() - on.reshape(n, 1) - on.reshape(1, n) + units

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.ReLU, nn.ReLU6, nn.Hardswish))]
    with torch.no_grad():
        model(x)
    for h in handles:
        h.remove()
    return float(torch.slogdet(kernel.double())[1])


PROXIES = {"grad_norm": grad_norm, "snip": snip, "jacob_cov": jacob_cov, "naswot": naswot}


def main():
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    if cfg.get("threads", 0) > 0:
        torch.set_num_threads(cfg["threads"])
    torch.manual_seed(1)
    spec = cfg["spec"]
    model = Net(spec, "reference")
    model.train()
    for m in model.modules():
        if isinstance(m, nn.Dropout):
            m.p = 0.0
    n, size = cfg["batch"], spec["inputSize"]
    x = torch.randn(n, spec["inputChannels"], size, size)
    y = torch.randint(0, spec["numClasses"], (n,))
    seconds, scores = {}, {}
    for name in cfg["proxies"]:
        fn = PROXIES[name]
        scores[name] = fn(model, x, y)  # warm-up
        best = float("inf")
        for _ in range(cfg["repeats"]):
            t0 = time.perf_counter()
            fn(model, x, y)
            best = min(best, time.perf_counter() - t0)
        seconds[name] = best
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "params": params,
                      "seconds": seconds, "scores": scores}), flush=True)


if __name__ == "__main__":
    main()
