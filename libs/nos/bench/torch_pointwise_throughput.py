"""PyTorch peer of pointwise-throughput.ts: milliseconds of 1x1 convolutions on the CPU.

Usage: /usr/bin/python3 torch_pointwise_throughput.py CONFIG.json   with keys
  layers (a list of {h, w, k, n}: input [batch, k, h, w], filter [n, k, 1, 1]), batch, reps,
  threads (0 = PyTorch's default).
Each layer: best of `reps` calls of F.conv2d after one warm-up call, no gradient recorded.
Prints one JSON line {"ms": [per layer], "torch", "threads"}.
"""
import json
import time

import torch
import torch.nn.functional as F

from torch_peer import peer_config


def main():
    cfg = peer_config()
    torch.manual_seed(1)
    out = []
    with torch.no_grad():
        for layer in cfg["layers"]:
            x = torch.randn(cfg["batch"], layer["k"], layer["h"], layer["w"])
            w = torch.randn(layer["n"], layer["k"], 1, 1)
            F.conv2d(x, w)
            best = float("inf")
            for _ in range(cfg["reps"]):
                t = time.perf_counter()
                F.conv2d(x, w)
                best = min(best, time.perf_counter() - t)
            out.append(best * 1000)
    print(json.dumps({"ms": out, "torch": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
