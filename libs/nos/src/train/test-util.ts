/** Tiny models for the training tests (excluded from the build). */
import * as tfl from '@tensorflow/tfjs-layers';

type ST = tfl.SymbolicTensor;

/**
 * stem 3×3 conv (8) + BN + ReLU → spatial operator (`dw`: 3×3 depthwise; `fuse`: 1×3 then 3×1
 * depthwise) + BN + ReLU [tap] → 1×1 conv (8) + BN + ReLU → global pool → dropout → dense.
 */
export function tinyModel(options: {
  operator: 'dw' | 'fuse';
  taps?: boolean;
  size?: number;
  channels?: number;
  classes?: number;
  seed?: number;
  dropout?: number;
}): tfl.LayersModel {
  const size = options.size ?? 8;
  const seed = options.seed ?? 1;
  const init = (k: number) => tfl.initializers.heNormal({ seed: seed * 100 + k });
  const input = tfl.input({ shape: [size, size, options.channels ?? 1] });
  let x: ST = tfl.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init(1), name: 'stem' })
    .apply(input) as ST;
  x = tfl.layers.batchNormalization({ name: 'stem_bn', momentum: 0.8 }).apply(x) as ST;
  x = tfl.layers.reLU({ name: 'stem_relu' }).apply(x) as ST;
  if (options.operator === 'dw') {
    x = tfl.layers
      .depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false, depthwiseInitializer: init(2), name: 'op_dw' })
      .apply(x) as ST;
  } else {
    x = tfl.layers
      .depthwiseConv2d({ kernelSize: [1, 3], padding: 'same', useBias: false, depthwiseInitializer: init(3), name: 'op_h' })
      .apply(x) as ST;
    x = tfl.layers
      .depthwiseConv2d({ kernelSize: [3, 1], padding: 'same', useBias: false, depthwiseInitializer: init(4), name: 'op_v' })
      .apply(x) as ST;
  }
  x = tfl.layers.batchNormalization({ name: 'op_bn', momentum: 0.8 }).apply(x) as ST;
  const tap = tfl.layers.reLU({ name: 'op_relu' }).apply(x) as ST;
  x = tfl.layers.conv2d({ filters: 8, kernelSize: 1, useBias: false, kernelInitializer: init(5), name: 'project' }).apply(tap) as ST;
  x = tfl.layers.batchNormalization({ name: 'project_bn', momentum: 0.8 }).apply(x) as ST;
  x = tfl.layers.reLU().apply(x) as ST;
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as ST;
  if (options.dropout !== undefined) x = tfl.layers.dropout({ rate: options.dropout }).apply(x) as ST;
  const logits = tfl.layers
    .dense({ units: options.classes ?? 4, kernelInitializer: tfl.initializers.glorotUniform({ seed: seed * 100 + 6 }), name: 'logits' })
    .apply(x) as ST;
  return tfl.model({ inputs: input, outputs: options.taps === true ? [logits, tap] : logits });
}

export function flatWeights(model: tfl.LayersModel): Float32Array[] {
  return model.weights.map((w) => w.read().dataSync() as Float32Array);
}
