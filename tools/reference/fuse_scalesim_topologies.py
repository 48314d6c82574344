#!/usr/bin/env python3
"""Writes SCALE-Sim topology CSVs of the FuSe networks from the FuSeConv authors' own layer list.

Usage: /usr/bin/python3 fuse_scalesim_topologies.py [--models libs/fuseconv/fixtures/reference-models.json]
                                                    [--out libs/systolic-sim/fixtures/scalesim/topologies]

The input is libs/fuseconv/fixtures/reference-models.json: every Conv2d call of the authors'
PyTorch models (iitm-sysdl/FuSeConv, see the README there) with its input size, kernel, padding,
stride and groups. Nothing here uses fuselab's own network code, so SCALE-Sim's reports of these
CSVs check fuselab's network -> SCALE-Sim conversion (padding folded into the ifmap, a depthwise
layer as one single-channel layer per channel) from outside.

SCALE-Sim's CSVs carry padded ifmap sizes and write a depthwise layer as a row whose name contains
"DP": SCALE-Sim then runs one single-channel layer per channel. Two files:

- fuse_mv2_half_head.csv: the first 8 Conv2d calls of MobileNetV2 FuSe-half at 224 x 224 as they
  are (stem, the stride-1 and stride-2 FuSe blocks' 1x3 / 3x1 halves with all their channels,
  pointwise layers).
- fuse_1d_layers.csv: every distinct 1-D depthwise (1xK / Kx1) layer shape of the four FuSe
  variants of all five networks at 224 x 224 (padded ifmap, kernel, stride), as DP rows of 2
  channels: SCALE-Sim runs each channel alone, so 2 copies show that copies are identical while
  keeping the run short; the network's own channel count multiplies them in the test.
"""
import argparse
import json
import os

HEADER = 'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,'


def padded(layer):
    return layer['in_hw'][0] + 2 * layer['padding'][0], layer['in_hw'][1] + 2 * layer['padding'][1]


def is_depthwise(layer):
    return layer['groups'] > 1 and layer['groups'] == layer['in_channels'] == layer['out_channels']


def row(name, layer, channels=None):
    h, w = padded(layer)
    sh, sw = layer['stride']
    if sh != sw:
        raise SystemExit(f'{name}: SCALE-Sim rows of 8 columns have one stride, got {sh}x{sw}')
    if is_depthwise(layer):
        return f"DP{name}, {h}, {w}, {layer['kernel'][0]}, {layer['kernel'][1]}, {channels or layer['in_channels']}, 1, {sh},"
    if layer['groups'] != 1:
        raise SystemExit(f'{name}: grouped convolution has no SCALE-Sim row')
    return f"{name}, {h}, {w}, {layer['kernel'][0]}, {layer['kernel'][1]}, {layer['in_channels']}, {layer['out_channels']}, {sh},"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--models', default='libs/fuseconv/fixtures/reference-models.json')
    parser.add_argument('--out', default='libs/systolic-sim/fixtures/scalesim/topologies')
    args = parser.parse_args()
    networks = json.load(open(args.models))['networks']

    head = [layer for layer in networks['mobilenet_v2']['fuse_half']['layers'] if layer['type'] == 'conv'][:8]
    lines = [HEADER] + [row(layer['name'].replace('.', '_'), layer) for layer in head]
    with open(os.path.join(args.out, 'fuse_mv2_half_head.csv'), 'w') as f:
        f.write('\n'.join(lines) + '\n')

    shapes = {}
    for network in sorted(networks):
        for variant in sorted(networks[network]):
            for layer in networks[network][variant]['layers']:
                if layer['type'] != 'conv' or not is_depthwise(layer) or 1 not in layer['kernel'] or layer['kernel'] == [1, 1]:
                    continue
                h, w = padded(layer)
                key = (h, w, layer['kernel'][0], layer['kernel'][1], layer['stride'][0])
                shapes.setdefault(key, layer)
    lines = [HEADER]
    for (h, w, kh, kw, s), layer in sorted(shapes.items()):
        lines.append(row(f'_{h}x{w}_k{kh}x{kw}_s{s}_', layer, channels=2))
    with open(os.path.join(args.out, 'fuse_1d_layers.csv'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print(f'fuse_mv2_half_head.csv: {len(head)} layers; fuse_1d_layers.csv: {len(shapes)} shapes')


if __name__ == '__main__':
    main()
