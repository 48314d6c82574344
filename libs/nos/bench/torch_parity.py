"""PyTorch peer of parity.ts: builds a network from a fuseconv NetworkSpec (JSON) and trains it
with the recipe of `fuselab train` on the same IDX images, for several seeds.

Usage: /usr/bin/python3 torch_parity.py CONFIG.json   with keys
  spec (a NetworkSpec, as buildNetwork returns it), seeds, dataDir, trainLimit, testLimit, epochs,
  batch, learningRate, momentum, weightDecay, evalBatch, threads (0 = PyTorch's default),
  init ("pytorch": the layers' own defaults; "reference": the reference models' init code);
  optional: imageFolderCache (a fuselab image-folder cache file, read instead of dataDir's IDX
  files), ghostShares (BatchNorm over that many shares of each batch, as `replicas` does).
Prints one JSON line {"params", "torch", "threads"} and then one per seed
{"seed", "testAccuracy", "testLoss", "trainLoss", "seconds", "imagesPerSec"}.

The network is the reference's (iitm-sysdl/FuSeConv models/*.py): conv / BN (eps 1e-5, momentum
0.1) / activation, depthwise or FuSe (1xK on the first ceil(C/2) channels, Kx1 on the rest, or
both on all channels for fuse_full) with (0,p)/(p,0) padding, SE, residual; initialised with
nn.Conv2d / nn.Linear's defaults (init "pytorch") or the reference's init code (init "reference":
kaiming_normal_ fan_out for every conv, N(0, 0.01) and zero bias for linears, BN weight 1 bias 0). The recipe: pixels/255 normalised with mean 0.5 std 0.5, 1-channel images
repeated to 3, the first trainLimit / testLimit images, a shuffle per epoch, the last partial
batch dropped, mean cross-entropy, SGD with (heavy-ball) momentum, a cosine learning rate per step
over all steps (to 0), L2 weight decay on weights of rank >= 2 only (not BN, not biases), the test
set evaluated in eval mode (BN running statistics).
"""
import gzip
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_peer import peer_config


def read_idx(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_folder_cache(path, split, limit):
    """A decoded image-folder data set as fuselab caches it (apps/orchestrator
    src/train/folder-dataset.ts): a uint32 LE header length, a JSON header, then per split (train,
    test) the images (N x side x side x 3, uint8) and the labels (N, uint8), in the cache's fixed
    class-mixed order, so the first `limit` are what `fuselab train --limit` takes."""
    with open(path, "rb") as f:
        raw = f.read()
    length = int.from_bytes(raw[:4], "little")
    header = json.loads(raw[4: 4 + length].decode("utf8"))
    offset = 4 + length
    for name in ("train", "test"):
        count, side = header["splits"][name]["count"], header["splits"][name]["side"]
        size = count * side * side * 3
        if name == split:
            images = np.frombuffer(raw, dtype=np.uint8, count=size, offset=offset).reshape(count, side, side, 3)[:limit]
            labels = np.frombuffer(raw, dtype=np.uint8, count=count, offset=offset + size)[:limit]
            x = torch.from_numpy(images.astype(np.float32) / 255.0).permute(0, 3, 1, 2)
            return ((x - 0.5) / 0.5).contiguous(), torch.from_numpy(labels.astype(np.int64))
        offset += size + count
    raise ValueError(f"no split {split} in {path}")


def load(data_dir, split, limit, channels):
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"))[:limit]
    labels = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"))[:limit]
    x = torch.from_numpy(images.astype(np.float32) / 255.0)
    x = ((x - 0.5) / 0.5).unsqueeze(1).repeat(1, channels, 1, 1)
    return x.contiguous(), torch.from_numpy(labels.astype(np.int64))


class HSwish(nn.Module):
    def forward(self, x):
        return x * F.relu6(x + 3.0) / 6.0


class HSigmoid(nn.Module):
    def forward(self, x):
        return F.relu6(x + 3.0) / 6.0


def activation(name):
    return {"relu": nn.ReLU(), "relu6": nn.ReLU6(), "hswish": HSwish(), "none": nn.Identity()}[name]


def conv_op(op):
    layers = [nn.Conv2d(op["inChannels"], op["outChannels"], op["kernel"], op["stride"], op["padding"], bias=op["bias"])]
    if op["batchNorm"]:
        layers.append(nn.BatchNorm2d(op["outChannels"]))
    layers.append(activation(op["activation"]))
    return nn.Sequential(*layers)


class Fuse(nn.Module):
    def __init__(self, channels, split, kernel, stride, padding, full):
        super().__init__()
        self.full = full
        self.h = split["horizontal"]
        v = split["vertical"]
        self.conv_h = nn.Conv2d(self.h, self.h, (1, kernel), stride, (0, padding), groups=self.h, bias=False)
        self.conv_v = nn.Conv2d(v, v, (kernel, 1), stride, (padding, 0), groups=v, bias=False)

    def forward(self, x):
        if self.full:
            return torch.cat([self.conv_h(x), self.conv_v(x)], 1)
        return torch.cat([self.conv_h(x[:, : self.h]), self.conv_v(x[:, self.h:])], 1)


class SqueezeExcite(nn.Module):
    def __init__(self, se):
        super().__init__()
        self.reduce = nn.Linear(se["channels"], se["reducedChannels"], bias=False)
        self.expand = nn.Linear(se["reducedChannels"], se["channels"], bias=False)

    def forward(self, x):
        g = x.mean([2, 3])
        g = HSigmoid()(self.expand(F.relu(self.reduce(g))))
        return x * g[:, :, None, None]


class Block(nn.Module):
    def __init__(self, b):
        super().__init__()
        hidden = b["hiddenChannels"]
        layers = []
        if b["expand"] == "called":
            layers += [nn.Conv2d(b["inChannels"], hidden, 1, bias=False), nn.BatchNorm2d(hidden), activation(b["activations"]["expand"])]
        k, s, p = b["kernel"], b["stride"], b["padding"]
        if b["operator"] == "dw":
            layers.append(nn.Conv2d(hidden, hidden, k, s, p, groups=hidden, bias=False))
        else:
            layers.append(Fuse(hidden, b["fuse"], k, s, p, b["operator"] == "fuse_full"))
        spatial = b["projectInChannels"]
        layers.append(nn.BatchNorm2d(spatial))
        if b["se"] is not None:
            layers.append(SqueezeExcite(b["se"]))
        layers.append(activation(b["activations"]["depthwise"]))
        layers += [nn.Conv2d(spatial, b["outChannels"], 1, bias=False), nn.BatchNorm2d(b["outChannels"]), activation(b["activations"]["project"])]
        self.body = nn.Sequential(*layers)
        self.residual = b["residual"]

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


class Net(nn.Module):
    def __init__(self, spec, init):
        super().__init__()
        self.stem = nn.Sequential(*[conv_op(op) for op in spec["stem"]])
        self.blocks = nn.Sequential(*[Block(b) for b in spec["blocks"]])
        head = []
        pooled = False
        for op in spec["head"]:
            if op["op"] == "conv":
                if pooled:
                    head.append(nn.Unflatten(1, (-1, 1, 1)))
                    pooled = False
                head.append(conv_op(op))
            elif op["op"] == "global_avg_pool":
                if not pooled:
                    head += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
                    pooled = True
            elif op["op"] == "dropout":
                head.append(nn.Dropout(op["rate"]))
            elif op["op"] == "linear":
                if not pooled:
                    head.append(nn.Flatten())
                    pooled = True
                head.append(nn.Linear(op["inFeatures"], op["outFeatures"], bias=op["bias"]))
        if not pooled:
            head.append(nn.Flatten())
        self.head = nn.Sequential(*head)
        if init == "reference":
            self.reference_init()
        elif init != "pytorch":
            raise ValueError(f"init must be pytorch or reference, got {init!r}")

    def reference_init(self):
        # The reference's initialisation (models/mobilenetv2.py and the others).
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)))


def evaluate(model, x, y, batch):
    model.eval()
    loss_sum, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(y), batch):
            logits = model(x[i: i + batch])
            loss_sum += F.cross_entropy(logits, y[i: i + batch], reduction="sum").item()
            correct += (logits.argmax(1) == y[i: i + batch]).sum().item()
    return loss_sum / len(y), correct / len(y)


def run(cfg, seed, data):
    (xtr, ytr), (xte, yte) = data
    torch.manual_seed(seed)
    model = Net(cfg["spec"], cfg["init"])
    decay = [p for p in model.parameters() if p.ndim >= 2]
    rest = [p for p in model.parameters() if p.ndim < 2]
    base_lr = cfg["learningRate"]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": cfg["weightDecay"]}, {"params": rest, "weight_decay": 0.0}],
                          lr=base_lr, momentum=cfg["momentum"])
    batch = cfg["batch"]
    shares = cfg.get("ghostShares", 1)
    steps_per_epoch = len(ytr) // batch
    total = steps_per_epoch * cfg["epochs"]
    gen = torch.Generator().manual_seed(seed)
    step = 0
    t0 = time.perf_counter()
    train_secs = 0.0
    for _ in range(cfg["epochs"]):
        model.train()
        order = torch.randperm(len(ytr), generator=gen)
        loss_sum = 0.0
        t_epoch = time.perf_counter()
        for i in range(steps_per_epoch):
            idx = order[i * batch: (i + 1) * batch]
            lr = 0.5 * base_lr * (1 + math.cos(math.pi * step / total))
            for g in opt.param_groups:
                g["lr"] = lr
            opt.zero_grad(set_to_none=True)
            if shares == 1:
                loss = F.cross_entropy(model(xtr[idx]), ytr[idx])
                loss.backward()
            else:
                # Ghost batch norm, as fuselab's `replicas` (and DistributedDataParallel without
                # SyncBatchNorm): each contiguous share (sizes differing by at most one) through
                # the model on its own, so BatchNorm normalises it with its own statistics; the
                # shares' mean losses weighted share/batch, i.e. the whole batch's mean loss. The
                # running statistics get one update per share here (fuselab averages the shares'
                # and updates once): a slightly shorter averaging horizon, nothing else.
                loss = 0.0
                for part in torch.tensor_split(idx, shares):
                    share_loss = F.cross_entropy(model(xtr[part]), ytr[part]) * (len(part) / len(idx))
                    share_loss.backward()
                    loss = loss + share_loss.detach()
            opt.step()
            loss_sum += loss.item()
            step += 1
        train_secs += time.perf_counter() - t_epoch
    test_loss, test_acc = evaluate(model, xte, yte, cfg["evalBatch"])
    return {"seed": seed, "testAccuracy": test_acc, "testLoss": test_loss, "trainLoss": loss_sum / steps_per_epoch,
            "seconds": time.perf_counter() - t0, "imagesPerSec": total * batch / max(train_secs, 1e-9)}


def main():
    cfg = peer_config()
    spec = cfg["spec"]
    channels = spec["inputChannels"]
    if "imageFolderCache" in cfg:
        cache = cfg["imageFolderCache"]
        data = (load_folder_cache(cache, "train", cfg["trainLimit"]), load_folder_cache(cache, "test", cfg["testLimit"]))
    else:
        data = (load(cfg["dataDir"], "train", cfg["trainLimit"], channels), load(cfg["dataDir"], "test", cfg["testLimit"], channels))
    params = sum(p.numel() for p in Net(spec, cfg["init"]).parameters() if p.requires_grad)
    print(json.dumps({"params": params, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for seed in cfg["seeds"]:
        print(json.dumps(run(cfg, seed, data)), flush=True)


if __name__ == "__main__":
    main()
