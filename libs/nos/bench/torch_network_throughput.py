"""PyTorch peer of network-throughput.ts: training images/s of a fuseconv NetworkSpec.

Usage: /usr/bin/python3 torch_network_throughput.py CONFIG.json   with keys
  spec (a NetworkSpec, as buildNetwork returns it), batch, warmup, steps, threads (0 = PyTorch's
  default), learningRate, momentum, weightDecay.
The network is torch_parity.py's Net (the same layers by construction); the step is its recipe's:
mean cross-entropy, SGD with momentum, L2 on weights of rank >= 2. Random normal inputs and random
labels, one fresh batch per step drawn from a pool of 8, as a data loader would hand them over.
Prints one JSON line {"params", "torch", "threads", "imagesPerSec", "msPerStep", "cpuMsPerStep"}.
"""
import json
import time

import torch
import torch.nn.functional as F

from torch_parity import Net
from torch_peer import peer_config


def main():
    cfg = peer_config()
    torch.manual_seed(1)
    spec = cfg["spec"]
    model = Net(spec, "pytorch")
    model.train()
    decay = [p for p in model.parameters() if p.ndim >= 2]
    rest = [p for p in model.parameters() if p.ndim < 2]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": cfg["weightDecay"]}, {"params": rest, "weight_decay": 0.0}],
                          lr=cfg["learningRate"], momentum=cfg["momentum"])
    batch, size = cfg["batch"], spec["inputSize"]
    pool = [(torch.randn(batch, spec["inputChannels"], size, size), torch.randint(0, spec["numClasses"], (batch,))) for _ in range(8)]

    def step(i):
        x, y = pool[i % len(pool)]
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    for i in range(cfg["warmup"]):
        step(i)
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(cfg["steps"]):
        step(i)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(json.dumps({"params": params, "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "imagesPerSec": batch * cfg["steps"] / secs, "msPerStep": 1000 * secs / cfg["steps"],
                      "cpuMsPerStep": 1000 * cpu / cfg["steps"]}), flush=True)


if __name__ == "__main__":
    main()
