/**
 * MnasNet-B1 as in models/mnasnet.py (`MnasNetClass`, `MnasNetClassHybrid`): a 3×3 stride-2 stem
 * of `int(32 * width)` channels, a separable 3×3 block to 16 channels (not scaled), 16 MBConv
 * blocks with `int(c * width)` outputs and expansion `inp * t`, ReLU6 throughout, a 1×1 head conv
 * to 1280 channels, global pooling, dropout 0.5 and a linear classifier.
 */
import type { BlockShape } from '../blocks.js';
import { truncScale } from '../channels.js';
import { convBn, type NetworkDefinition } from './definition.js';

/** [expansion t, output channels c, repeats n, first stride s, kernel k] per stage. */
const SETTING: ReadonlyArray<readonly [number, number, number, number, number]> = [
  [3, 24, 3, 2, 3],
  [3, 40, 3, 2, 5],
  [6, 80, 3, 2, 5],
  [6, 96, 2, 1, 3],
  [6, 192, 4, 2, 5],
  [6, 320, 1, 1, 3],
];

const SEP_CHANNELS = 16;
const LAST_CHANNELS = 1280;

export const mnasnetB1: NetworkDefinition = {
  name: 'mnasnet_b1',
  reference: 'MnasNet, MnasNetFuSeFull/Half, MnasNetFuSeFull/HalfHybrid',
  blockCount: 1 + SETTING.reduce((sum, [, , n]) => sum + n, 0),
  // MnasNetClassHybrid: FuSe in the stages of 24, 40 and 80 channels; the separable block stays
  // depthwise (the Hybrid class picks SepConv_3x3 because its base block is InvertedResidual).
  hybridBlocks: [1, 2, 3, 4, 5, 6, 7, 8, 9],
  layout({ width, numClasses }) {
    const stemChannels = truncScale(32, width);
    const blocks: BlockShape[] = [
      {
        index: 0,
        stage: 0,
        name: 'features.1',
        family: 'mnasnet_sep',
        inChannels: stemChannels,
        outChannels: SEP_CHANNELS,
        expandRatio: null,
        hiddenChannels: stemChannels,
        kernel: 3,
        stride: 1,
        se: false,
        activation: 'relu6',
      },
    ];
    let inChannels = SEP_CHANNELS;
    SETTING.forEach(([t, c, n, s, k], row) => {
      const outChannels = truncScale(c, width);
      for (let i = 0; i < n; i += 1) {
        const index = blocks.length;
        blocks.push({
          index,
          stage: row + 1,
          name: `features.${index + 1}`,
          family: 'mnasnet_ir',
          inChannels,
          outChannels,
          expandRatio: t,
          hiddenChannels: inChannels * t,
          kernel: k,
          stride: i === 0 ? s : 1,
          se: false,
          activation: 'relu6',
        });
        inChannels = outChannels;
      }
    });
    const last = width > 1.0 ? truncScale(LAST_CHANNELS, width) : LAST_CHANNELS;
    return {
      stem: [convBn('features.0.0', 3, stemChannels, 3, 2, 'relu6')],
      blocks,
      head: [
        convBn(`features.${blocks.length + 1}.0`, inChannels, last, 1, 1, 'relu6'),
        { op: 'global_avg_pool' },
        { op: 'dropout', rate: 0.5 },
        { op: 'linear', name: 'classifier.1', inFeatures: last, outFeatures: numClasses, bias: true },
      ],
    };
  },
};
