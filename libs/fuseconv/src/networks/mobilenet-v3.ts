/**
 * MobileNetV3 small and large as in models/mobilenetv3.py (`MobileNetV3Class`,
 * `MobileNetV3ClassHybrid`): a 16-channel 3×3 stride-2 stem with h-swish (not scaled by the width),
 * bottlenecks whose channels round *up* to multiples of 8, SE built from two bias-free Linear
 * layers, a 1×1 conv + BN + h-swish, global pooling, a biased 1×1 conv (no BN) + h-swish to 1280
 * channels, dropout 0.2 and a linear classifier. Every bottleneck has its 1×1 expansion conv, even
 * when the expansion equals the input channels.
 */
import type { BlockShape } from '../blocks.js';
import { ceilDivisible } from '../channels.js';
import type { Activation, NetworkName } from '../types.js';
import { convBn, stagesByOutput, type NetworkDefinition } from './definition.js';

/** [kernel, expansion channels, output channels, SE, non-linearity, stride, FuSe in Hybrid]. */
type Row = readonly [number, number, number, boolean, 'RE' | 'HS', number, 0 | 1];

const LARGE: readonly Row[] = [
  [3, 16, 16, false, 'RE', 1, 0],
  [3, 64, 24, false, 'RE', 2, 1],
  [3, 72, 24, false, 'RE', 1, 1],
  [5, 72, 40, true, 'RE', 2, 1],
  [5, 120, 40, true, 'RE', 1, 1],
  [5, 120, 40, true, 'RE', 1, 1],
  [3, 240, 80, false, 'HS', 2, 1],
  [3, 200, 80, false, 'HS', 1, 1],
  [3, 184, 80, false, 'HS', 1, 0],
  [3, 184, 80, false, 'HS', 1, 0],
  [3, 480, 112, true, 'HS', 1, 0],
  [3, 672, 112, true, 'HS', 1, 0],
  [5, 672, 160, true, 'HS', 2, 0],
  [5, 960, 160, true, 'HS', 1, 0],
  [5, 960, 160, true, 'HS', 1, 0],
];

const SMALL: readonly Row[] = [
  [3, 16, 16, true, 'RE', 2, 0],
  [3, 72, 24, false, 'RE', 2, 0],
  [3, 88, 24, false, 'RE', 1, 1],
  [5, 96, 40, true, 'HS', 2, 0],
  [5, 240, 40, true, 'HS', 1, 1],
  [5, 240, 40, true, 'HS', 1, 1],
  [5, 120, 48, true, 'HS', 1, 1],
  [5, 144, 48, true, 'HS', 1, 1],
  [5, 288, 96, true, 'HS', 2, 0],
  [5, 576, 96, true, 'HS', 1, 0],
  [5, 576, 96, true, 'HS', 1, 0],
];

const STEM_CHANNELS = 16;
const LAST_CHANNELS = 1280;

function mobilenetV3(name: NetworkName, rows: readonly Row[], lastConv: number, mode: string): NetworkDefinition {
  return {
    name,
    reference: `MobileNetV3('${mode}'), MobileNetV3FuSeFull/Half('${mode}'), MobileNetV3FuSeFull/HalfHybrid('${mode}')`,
    blockCount: rows.length,
    hybridBlocks: rows.flatMap((row, index) => (row[6] === 1 ? [index] : [])),
    layout({ width, numClasses }) {
      const stages = stagesByOutput(rows.map((row) => row[2]));
      let inChannels = STEM_CHANNELS;
      const blocks: BlockShape[] = rows.map(([kernel, exp, c, se, nl, stride], index) => {
        const outChannels = ceilDivisible(c * width);
        const activation: Activation = nl === 'RE' ? 'relu' : 'hswish';
        const shape: BlockShape = {
          index,
          stage: stages[index] ?? 0,
          name: `features.${index + 1}`,
          family: 'mobile_bottleneck',
          inChannels,
          outChannels,
          expandRatio: null,
          hiddenChannels: ceilDivisible(exp * width),
          kernel,
          stride,
          se,
          activation,
        };
        inChannels = outChannels;
        return shape;
      });
      const headConv = ceilDivisible(lastConv * width);
      const last = width > 1.0 ? ceilDivisible(LAST_CHANNELS * width) : LAST_CHANNELS;
      const n = blocks.length;
      return {
        stem: [convBn('features.0.0', 3, STEM_CHANNELS, 3, 2, 'hswish')],
        blocks,
        head: [
          convBn(`features.${n + 1}.0`, inChannels, headConv, 1, 1, 'hswish'),
          { op: 'global_avg_pool' },
          {
            op: 'conv',
            name: `features.${n + 3}`,
            inChannels: headConv,
            outChannels: last,
            kernel: 1,
            stride: 1,
            padding: 0,
            bias: true,
            batchNorm: false,
            activation: 'hswish',
          },
          { op: 'dropout', rate: 0.2 },
          { op: 'linear', name: 'classifier.1', inFeatures: last, outFeatures: numClasses, bias: true },
        ],
      };
    },
  };
}

export const mobilenetV3Large = mobilenetV3('mobilenet_v3_large', LARGE, 960, 'large');
export const mobilenetV3Small = mobilenetV3('mobilenet_v3_small', SMALL, 576, 'small');
