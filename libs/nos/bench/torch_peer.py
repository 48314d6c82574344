"""What every PyTorch peer of a bench starts with: its JSON config (the file named by the first
argument, written by the bench: python-peer.ts, or parity.ts for torch_parity.py) and PyTorch's
thread count set from it (threads 0 or absent: PyTorch's own default)."""
import json
import sys

import torch


def peer_config():
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    if cfg.get("threads", 0) > 0:
        torch.set_num_threads(cfg["threads"])
    return cfg
