/**
 * PyTorch module paths of a block's layers in the reference model, so that exported layers can be
 * matched one-to-one with the reference (e.g. `features.3.conv2_h`).
 */
import type { BlockSpec } from './types.js';

export interface BlockModuleNames {
  expand: string | null;
  depthwise: string | null;
  fuseH: string | null;
  fuseV: string | null;
  seReduce: string | null;
  seExpand: string | null;
  project: string;
}

/** Names used by every FuSe module of the reference (`conv1`, `conv2_h`, `conv2_v`, `conv3`). */
function fuseNames(block: BlockSpec, dwPrefix: 'conv1' | 'conv2', project: string): BlockModuleNames {
  const b = block.name;
  return {
    expand: block.expand === 'none' ? null : `${b}.conv1`,
    depthwise: null,
    fuseH: `${b}.${dwPrefix}_h`,
    fuseV: `${b}.${dwPrefix}_v`,
    seReduce: block.se ? `${b}.se1.fc.0` : null,
    seExpand: block.se ? `${b}.se1.fc.2` : null,
    project: `${b}.${project}`,
  };
}

export function blockModuleNames(block: BlockSpec): BlockModuleNames {
  const b = block.name;
  const none = { expand: null, depthwise: null, fuseH: null, fuseV: null, seReduce: null, seExpand: null };
  switch (block.family) {
    case 'mobilenet_v1':
      // Block: conv1 (dw), conv2 (pw); FuSe*Block: conv1_h, conv1_v, conv2.
      return block.operator === 'dw' ? { ...none, depthwise: `${b}.conv1`, project: `${b}.conv2` } : fuseNames(block, 'conv1', 'conv2');
    case 'inverted_residual': {
      if (block.operator !== 'dw') return fuseNames(block, 'conv2', 'conv3');
      // conv = Sequential([ConvBNReLU pw]?, ConvBNReLU dw, Conv2d pw-linear, BN)
      const e = block.expand === 'none' ? 0 : 1;
      return {
        ...none,
        expand: e === 1 ? `${b}.conv.0.0` : null,
        depthwise: `${b}.conv.${e}.0`,
        project: `${b}.conv.${e + 1}`,
      };
    }
    case 'mobile_bottleneck':
      if (block.operator !== 'dw') return fuseNames(block, 'conv2', 'conv3');
      // conv = Sequential(pw, BN, nl, dw, BN, SE|Identity, nl, pw-linear, BN)
      return {
        ...none,
        expand: `${b}.conv.0`,
        depthwise: `${b}.conv.3`,
        seReduce: block.se ? `${b}.conv.5.fc.0` : null,
        seExpand: block.se ? `${b}.conv.5.fc.2` : null,
        project: `${b}.conv.7`,
      };
    case 'mnasnet_sep':
      // SepConv_3x3 = Sequential(dw, BN, ReLU6, pw, BN); SepConvFriendly*: conv2_h, conv2_v, conv3.
      return block.operator === 'dw' ? { ...none, depthwise: `${b}.0`, project: `${b}.3` } : fuseNames(block, 'conv2', 'conv3');
    case 'mnasnet_ir':
      // conv = Sequential(pw, BN, ReLU6, dw, BN, ReLU6, pw-linear, BN)
      return block.operator === 'dw'
        ? { ...none, expand: `${b}.conv.0`, depthwise: `${b}.conv.3`, project: `${b}.conv.6` }
        : fuseNames(block, 'conv2', 'conv3');
  }
}
