/**
 * MobileNetV2 as in models/mobilenetv2.py (`MobileNetV2Class`, `MobileNetV2ClassHybrid`):
 * torchvision's layout with `_make_divisible(c * width, 8)` channels, ReLU6, a 1×1 head conv to
 * `_make_divisible(1280 * max(1, width), 8)` channels, mean pooling, dropout 0.2 and a linear
 * classifier.
 */
import type { BlockShape } from '../blocks.js';
import { makeDivisible } from '../channels.js';
import { convBn, type NetworkDefinition } from './definition.js';

/** [expansion t, output channels c, repeats n, first stride s] per stage. */
const SETTING: ReadonlyArray<readonly [number, number, number, number]> = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

export const mobilenetV2: NetworkDefinition = {
  name: 'mobilenet_v2',
  reference: 'MobileNetV2, MobileNetV2FuSeFull/Half, MobileNetV2FuSeFull/HalfHybrid',
  blockCount: SETTING.reduce((sum, [, , n]) => sum + n, 0),
  // MobileNetV2ClassHybrid: FuSe in the stages of 24, 32 and 64 channels.
  hybridBlocks: [1, 2, 3, 4, 5, 6, 7, 8, 9],
  layout({ width, numClasses }) {
    const stemChannels = makeDivisible(32 * width, 8);
    const last = makeDivisible(1280 * Math.max(1.0, width), 8);
    const blocks: BlockShape[] = [];
    let inChannels = stemChannels;
    SETTING.forEach(([t, c, n, s], stage) => {
      const outChannels = makeDivisible(c * width, 8);
      for (let i = 0; i < n; i += 1) {
        const index = blocks.length;
        blocks.push({
          index,
          stage,
          name: `features.${index + 1}`,
          family: 'inverted_residual',
          inChannels,
          outChannels,
          expandRatio: t,
          hiddenChannels: Math.round(inChannels * t),
          kernel: 3,
          stride: i === 0 ? s : 1,
          se: false,
          activation: 'relu6',
        });
        inChannels = outChannels;
      }
    });
    return {
      stem: [convBn('features.0.0', 3, stemChannels, 3, 2, 'relu6')],
      blocks,
      head: [
        convBn(`features.${blocks.length + 1}.0`, inChannels, last, 1, 1, 'relu6'),
        { op: 'global_avg_pool' },
        { op: 'dropout', rate: 0.2 },
        { op: 'linear', name: 'classifier.1', inFeatures: last, outFeatures: numClasses, bias: true },
      ],
    };
  },
};
