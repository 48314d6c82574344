/**
 * MobileNetV1 as in models/mobilenetv1.py (`MobileNet`, `MobileNetHybrid`): a 3×3 stride-2 stem
 * of 32 channels (not scaled by the width), 13 depthwise-separable blocks with ReLU after both
 * convolutions, global average pooling, dropout 0.2 and a linear classifier.
 */
import type { BlockShape } from '../blocks.js';
import { truncScale } from '../channels.js';
import { convBn, stagesByOutput, type NetworkDefinition } from './definition.js';

/** [output channels, stride] of the 13 blocks. */
const CFG: ReadonlyArray<readonly [number, number]> = [
  [64, 1],
  [128, 2],
  [128, 1],
  [256, 2],
  [256, 1],
  [512, 2],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [1024, 2],
  [1024, 1],
];

const STEM_CHANNELS = 32;

export const mobilenetV1: NetworkDefinition = {
  name: 'mobilenet_v1',
  reference: 'MobileNetV1, MobileNetV1FuSeFull/Half, MobileNetV1FuSeFull/HalfHybrid',
  blockCount: CFG.length,
  // MobileNetHybrid: FuSe in the first five blocks (64, 128, 128, 256, 256 channels).
  hybridBlocks: [0, 1, 2, 3, 4],
  layout({ width, numClasses }) {
    const outputs = CFG.map(([c]) => truncScale(c, width));
    const stages = stagesByOutput(CFG.map(([c]) => c));
    let inChannels = STEM_CHANNELS;
    const blocks: BlockShape[] = CFG.map(([, stride], index) => {
      const outChannels = outputs[index] ?? 0;
      const shape: BlockShape = {
        index,
        stage: stages[index] ?? 0,
        name: `layers.${index}`,
        family: 'mobilenet_v1',
        inChannels,
        outChannels,
        expandRatio: null,
        hiddenChannels: inChannels,
        kernel: 3,
        stride,
        se: false,
        activation: 'relu',
      };
      inChannels = outChannels;
      return shape;
    });
    const last = truncScale(1024, width);
    return {
      stem: [convBn('conv1', 3, STEM_CHANNELS, 3, 2, 'relu')],
      blocks,
      head: [
        { op: 'global_avg_pool' },
        { op: 'dropout', rate: 0.2 },
        { op: 'linear', name: 'linear', inFeatures: last, outFeatures: numClasses, bias: true },
      ],
    };
  },
};
