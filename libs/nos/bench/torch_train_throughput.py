"""PyTorch peer of train-throughput.ts: trains the same small MobileNet-style network on the CPU.

Usage: python3 torch_train_throughput.py '<json>'  with keys
  spec (TinyNetSpec from tiny-mobilenet.ts), batch, warmup, steps, threads, seed.
Prints one JSON line: {"imagesPerSec", "msPerStep", "cpuMsPerStep", "threads", "torch"}
(cpuMsPerStep: CPU time of the process, all threads, per step).
"""
import json
import sys
import time

import torch
import torch.nn as nn


def conv_bn_relu(cin, cout, k, s):
    return [nn.Conv2d(cin, cout, k, s, k // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU6()]


class FuseHalf(nn.Module):
    """Half the channels get a 1x3 depthwise conv, the other half a 3x1, concatenated."""

    def __init__(self, channels, stride):
        super().__init__()
        self.half = channels // 2
        rest = channels - self.half
        self.row = nn.Conv2d(self.half, self.half, (1, 3), stride, (0, 1), groups=self.half, bias=False)
        self.col = nn.Conv2d(rest, rest, (3, 1), stride, (1, 0), groups=rest, bias=False)

    def forward(self, x):
        return torch.cat([self.row(x[:, : self.half]), self.col(x[:, self.half :])], dim=1)


class Block(nn.Module):
    def __init__(self, cin, expand, cout, stride, operator):
        super().__init__()
        hidden = cin * expand
        layers = [] if expand == 1 else conv_bn_relu(cin, hidden, 1, 1)
        if operator == "dw":
            layers.append(nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False))
        else:
            layers.append(FuseHalf(hidden, stride))
        layers += [nn.BatchNorm2d(hidden), nn.ReLU6(), nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout)]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


def build(spec):
    stem = spec["stem"]
    layers = conv_bn_relu(spec["inputChannels"], stem["filters"], stem["kernel"], stem["stride"])
    c = stem["filters"]
    for b in spec["blocks"]:
        layers.append(Block(c, b["expand"], b["out"], b["stride"], spec["operator"]))
        c = b["out"]
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, spec["classes"])]
    return nn.Sequential(*layers)


def main():
    cfg = json.loads(sys.argv[1])
    torch.set_num_threads(int(cfg["threads"]))
    torch.manual_seed(int(cfg.get("seed", 1)))
    spec = cfg["spec"]
    batch = int(cfg["batch"])
    model = build(spec).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    s = spec["inputSize"]
    x = torch.randn(batch, spec["inputChannels"], s, s)
    y = torch.randint(0, spec["classes"], (batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(int(cfg["warmup"])):
        step()
    steps = int(cfg["steps"])
    t0 = time.perf_counter()
    c0 = time.process_time()
    for _ in range(steps):
        step()
    dt = time.perf_counter() - t0
    cpu = time.process_time() - c0
    print(json.dumps({
        "imagesPerSec": batch * steps / dt,
        "msPerStep": 1000.0 * dt / steps,
        "cpuMsPerStep": 1000.0 * cpu / steps,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
