/**
 * The small MobileNet-style network of the training-throughput benchmark, as a tf.layers model.
 * The same specification is handed to the PyTorch peer (torch_train_throughput.py) as JSON so both
 * sides build the same network.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormActivation, FuseConv2D, type FusedActivation } from '@fuselab/fuseconv/tfjs';

import { fusedAdam } from '../src/backend/index.js';

export type BlockOperator = 'dw' | 'fuse_half';

export interface TinyNetSpec {
  inputSize: number;
  inputChannels: number;
  classes: number;
  stem: { filters: number; kernel: number; stride: number };
  /** Inverted-residual blocks: expansion factor, output channels, stride. */
  blocks: Array<{ expand: number; out: number; stride: number }>;
  /** 'dw': 3×3 depthwise; 'fuse_half': half the hidden channels 1×3, half 3×1, concatenated. */
  operator: BlockOperator;
}

export function tinyNetSpec(operator: BlockOperator): TinyNetSpec {
  return {
    inputSize: 32,
    inputChannels: 3,
    classes: 10,
    stem: { filters: 32, kernel: 3, stride: 2 },
    blocks: [
      { expand: 2, out: 24, stride: 1 },
      { expand: 4, out: 32, stride: 2 },
      { expand: 4, out: 32, stride: 1 },
      { expand: 4, out: 64, stride: 2 },
    ],
    operator,
  };
}

type ST = tfl.SymbolicTensor;
const apply = (layer: tfl.layers.Layer, x: ST | ST[]): ST => layer.apply(x) as ST;

function convBnRelu(x: ST, filters: number, kernel: number, stride: number): ST {
  x = apply(tfl.layers.conv2d({ filters, kernelSize: kernel, strides: stride, padding: 'same', useBias: false }), x);
  return bnAct(x, 'relu6');
}

let layerId = 0;
/** BatchNorm (PyTorch's eps 1e-5 and momentum 0.1) fused with its activation. */
function bnAct(x: ST, activation: FusedActivation): ST {
  return apply(batchNormActivation(`bn_${++layerId}`, activation), x);
}

function depthwise(x: ST, kernel: [number, number], stride: number): ST {
  return apply(tfl.layers.depthwiseConv2d({ kernelSize: kernel, strides: stride, padding: 'same', useBias: false }), x);
}

/** Builds and compiles (Adam, categorical cross-entropy) the benchmark network. */
export function buildTinyNet(spec: TinyNetSpec, learningRate = 1e-3): tfl.LayersModel {
  const input = tfl.input({ shape: [spec.inputSize, spec.inputSize, spec.inputChannels] });
  let x = convBnRelu(input, spec.stem.filters, spec.stem.kernel, spec.stem.stride);
  let channels = spec.stem.filters;
  for (const b of spec.blocks) {
    const hidden = channels * b.expand;
    const shortcut = x;
    let h = b.expand === 1 ? x : convBnRelu(x, hidden, 1, 1);
    if (spec.operator === 'dw') {
      h = depthwise(h, [3, 3], b.stride);
    } else {
      // Half the channels 1×3, half 3×1, explicit padding (0,1)/(1,0) as PyTorch's FuseHalf.
      h = apply(new FuseConv2D({ mode: 'half', kernelSize: 3, strides: b.stride, padding: 1 }), h);
    }
    h = bnAct(h, 'relu6');
    h = apply(tfl.layers.conv2d({ filters: b.out, kernelSize: 1, useBias: false }), h);
    h = bnAct(h, 'linear');
    x = b.stride === 1 && channels === b.out ? apply(tfl.layers.add(), [shortcut, h]) : h;
    channels = b.out;
  }
  x = apply(tfl.layers.globalAveragePooling2d({}), x);
  const out = apply(tfl.layers.dense({ units: spec.classes, activation: 'softmax' }), x);
  const model = tfl.model({ inputs: input, outputs: out });
  // Adam (tfjs semantics, lr 1e-3, β 0.9/0.999) with one fused update kernel per variable.
  model.compile({ optimizer: fusedAdam(learningRate), loss: 'categoricalCrossentropy' });
  return model;
}
