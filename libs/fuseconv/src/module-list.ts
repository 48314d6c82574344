/**
 * The Conv2d and Linear modules of a spec, in the order the reference's forward pass calls them,
 * with the feature-map shapes each call sees. Modules the reference builds but never calls are
 * listed too (flagged `called: false`) at the place the reference defines them, so parameter
 * counts can include them while MACs and topologies skip them.
 *
 * Walking a spec also validates it: channel counts must chain and be positive, and every kernel
 * must fit in its padded input.
 */
import { InvalidSpecError } from './errors.js';
import { blockModuleNames } from './module-names.js';
import type { BlockSpec, ConvOp, NetworkSpec } from './types.js';

/** What a module does in its block or in the network. */
export type ModuleRole =
  'stem' | 'expand' | 'depthwise' | 'fuse_h' | 'fuse_v' | 'se_reduce' | 'se_expand' | 'project' | 'head' | 'classifier';

interface ModuleBase {
  /** PyTorch module path in the reference model. */
  name: string;
  /** Index of the searchable block the module belongs to, `null` for stem and head. */
  block: number | null;
  role: ModuleRole;
  /** `false` for modules the reference builds but never calls. */
  called: boolean;
}

export interface ConvModule extends ModuleBase {
  op: 'conv';
  inChannels: number;
  outChannels: number;
  groups: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  bias: boolean;
  batchNorm: boolean;
  /** Input feature map before padding. */
  inputH: number;
  inputW: number;
  outputH: number;
  outputW: number;
}

export interface LinearModule extends ModuleBase {
  op: 'linear';
  inFeatures: number;
  outFeatures: number;
  bias: boolean;
}

export type NetworkModule = ConvModule | LinearModule;

/** Running state of the walk: the current feature map. */
interface FeatureMap {
  channels: number;
  h: number;
  w: number;
}

type ConvShape = Pick<
  ConvModule,
  | 'name'
  | 'block'
  | 'role'
  | 'called'
  | 'inChannels'
  | 'outChannels'
  | 'groups'
  | 'kernelH'
  | 'kernelW'
  | 'strideH'
  | 'strideW'
  | 'padH'
  | 'padW'
  | 'bias'
  | 'batchNorm'
>;

function positive(field: string, value: number, what: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidSpecError(field, `${what} must be a positive integer, got ${value}`);
  }
}

function conv(shape: ConvShape, h: number, w: number, field: string): ConvModule {
  positive(field, shape.inChannels, `${shape.name} input channels`);
  positive(field, shape.outChannels, `${shape.name} output channels`);
  const paddedH = h + 2 * shape.padH;
  const paddedW = w + 2 * shape.padW;
  if (shape.kernelH > paddedH || shape.kernelW > paddedW) {
    throw new InvalidSpecError(
      'inputSize',
      `input too small for the network: ${shape.name} has a ${shape.kernelH}×${shape.kernelW} kernel ` +
        `but its padded input is ${paddedH}×${paddedW}`,
    );
  }
  return {
    op: 'conv',
    ...shape,
    inputH: h,
    inputW: w,
    outputH: Math.floor((paddedH - shape.kernelH) / shape.strideH) + 1,
    outputW: Math.floor((paddedW - shape.kernelW) / shape.strideW) + 1,
  };
}

function plainConv(op: ConvOp, role: ModuleRole, fm: FeatureMap, field: string): ConvModule {
  if (op.inChannels !== fm.channels) {
    throw new InvalidSpecError(field, `${op.name} expects ${op.inChannels} input channels, gets ${fm.channels}`);
  }
  return conv(
    {
      name: op.name,
      block: null,
      role,
      called: true,
      inChannels: op.inChannels,
      outChannels: op.outChannels,
      groups: 1,
      kernelH: op.kernel,
      kernelW: op.kernel,
      strideH: op.stride,
      strideW: op.stride,
      padH: op.padding,
      padW: op.padding,
      bias: op.bias,
      batchNorm: op.batchNorm,
    },
    fm.h,
    fm.w,
    field,
  );
}

function pointwise(
  name: string,
  block: number,
  role: ModuleRole,
  inChannels: number,
  outChannels: number,
  fm: { h: number; w: number },
  field: string,
  called = true,
): ConvModule {
  return conv(
    {
      name,
      block,
      role,
      called,
      inChannels,
      outChannels,
      groups: 1,
      kernelH: 1,
      kernelW: 1,
      strideH: 1,
      strideW: 1,
      padH: 0,
      padW: 0,
      bias: false,
      batchNorm: true,
    },
    fm.h,
    fm.w,
    field,
  );
}

function depthwise(
  name: string,
  block: BlockSpec,
  role: ModuleRole,
  channels: number,
  kernelH: number,
  kernelW: number,
  fm: { h: number; w: number },
  field: string,
): ConvModule {
  return conv(
    {
      name,
      block: block.index,
      role,
      called: true,
      inChannels: channels,
      outChannels: channels,
      groups: channels,
      kernelH,
      kernelW,
      strideH: block.stride,
      strideW: block.stride,
      padH: kernelH === 1 ? 0 : block.padding,
      padW: kernelW === 1 ? 0 : block.padding,
      bias: false,
      batchNorm: true,
    },
    fm.h,
    fm.w,
    field,
  );
}

function blockModules(block: BlockSpec, fm: FeatureMap, field: string): { modules: NetworkModule[]; out: FeatureMap } {
  if (block.inChannels !== fm.channels) {
    throw new InvalidSpecError(
      `${field}.inChannels`,
      `block ${block.index} expects ${block.inChannels} input channels, gets ${fm.channels}`,
    );
  }
  const names = blockModuleNames(block);
  const modules: NetworkModule[] = [];
  const k = block.kernel;
  const hidden = block.hiddenChannels;
  if (block.expand !== 'none' && names.expand !== null) {
    modules.push(pointwise(names.expand, block.index, 'expand', block.inChannels, hidden, fm, field, block.expand === 'called'));
  } else if (hidden !== block.inChannels) {
    throw new InvalidSpecError(
      `${field}.hiddenChannels`,
      `block ${block.index} has no expansion, so its hidden channels must equal its ${block.inChannels} inputs`,
    );
  }
  let spatial: { h: number; w: number };
  if (block.operator === 'dw' || block.fuse === null) {
    if (block.operator !== 'dw' || names.depthwise === null) {
      throw new InvalidSpecError(`${field}.fuse`, `block ${block.index} uses ${block.operator} but has no FuSe split`);
    }
    const dw = depthwise(names.depthwise, block, 'depthwise', hidden, k, k, fm, field);
    modules.push(dw);
    spatial = { h: dw.outputH, w: dw.outputW };
  } else {
    const { horizontal, vertical } = block.fuse;
    const expected = block.operator === 'fuse_full' ? [hidden, hidden] : [Math.ceil(hidden / 2), Math.floor(hidden / 2)];
    if (horizontal !== expected[0] || vertical !== expected[1]) {
      throw new InvalidSpecError(
        `${field}.fuse`,
        `block ${block.index} (${block.operator}, ${hidden} channels) needs a ${expected[0]}/${expected[1]} split`,
      );
    }
    const h = depthwise(names.fuseH ?? `${block.name}.conv2_h`, block, 'fuse_h', horizontal, 1, k, fm, field);
    const v = depthwise(names.fuseV ?? `${block.name}.conv2_v`, block, 'fuse_v', vertical, k, 1, fm, field);
    modules.push(h, v);
    spatial = { h: h.outputH, w: h.outputW };
  }
  const stageChannels = block.operator === 'fuse_full' ? 2 * hidden : hidden;
  if (block.projectInChannels !== stageChannels) {
    throw new InvalidSpecError(
      `${field}.projectInChannels`,
      `block ${block.index} feeds ${stageChannels} channels to its projection, not ${block.projectInChannels}`,
    );
  }
  if (block.se !== null) {
    const se = block.se;
    if (se.channels !== stageChannels) {
      throw new InvalidSpecError(`${field}.se.channels`, `block ${block.index} SE must see ${stageChannels} channels`);
    }
    positive(`${field}.se.reducedChannels`, se.reducedChannels, `block ${block.index} SE reduced channels`);
    const base = { block: block.index, called: true, bias: false } as const;
    modules.push(
      {
        op: 'linear',
        ...base,
        name: names.seReduce ?? `${block.name}.se.fc.0`,
        role: 'se_reduce',
        inFeatures: se.channels,
        outFeatures: se.reducedChannels,
      },
      {
        op: 'linear',
        ...base,
        name: names.seExpand ?? `${block.name}.se.fc.2`,
        role: 'se_expand',
        inFeatures: se.reducedChannels,
        outFeatures: se.channels,
      },
    );
  }
  modules.push(pointwise(names.project, block.index, 'project', stageChannels, block.outChannels, spatial, field));
  if (block.residual && (block.stride !== 1 || block.inChannels !== block.outChannels)) {
    throw new InvalidSpecError(`${field}.residual`, `block ${block.index} cannot add its input: shapes differ`);
  }
  return { modules, out: { channels: block.outChannels, ...spatial } };
}

/**
 * Every Conv2d and Linear module of the spec in forward-call order (never-called modules included,
 * flagged). Throws {@link InvalidSpecError} when the spec is inconsistent or the input too small.
 */
export function listModules(spec: NetworkSpec): NetworkModule[] {
  positive('inputSize', spec.inputSize, 'inputSize');
  positive('numClasses', spec.numClasses, 'numClasses');
  let fm: FeatureMap = { channels: spec.inputChannels, h: spec.inputSize, w: spec.inputSize };
  const modules: NetworkModule[] = [];
  spec.stem.forEach((op, i) => {
    const m = plainConv(op, 'stem', fm, `stem[${i}]`);
    modules.push(m);
    fm = { channels: m.outChannels, h: m.outputH, w: m.outputW };
  });
  spec.blocks.forEach((block, i) => {
    const { modules: ms, out } = blockModules(block, fm, `blocks[${i}]`);
    modules.push(...ms);
    fm = out;
  });
  spec.head.forEach((op, i) => {
    const field = `head[${i}]`;
    switch (op.op) {
      case 'conv': {
        const m = plainConv(op, 'head', fm, field);
        modules.push(m);
        fm = { channels: m.outChannels, h: m.outputH, w: m.outputW };
        break;
      }
      case 'global_avg_pool':
        fm = { ...fm, h: 1, w: 1 };
        break;
      case 'dropout':
        break;
      case 'linear':
        if (op.inFeatures !== fm.channels * fm.h * fm.w) {
          throw new InvalidSpecError(field, `${op.name} expects ${op.inFeatures} features, gets ${fm.channels * fm.h * fm.w}`);
        }
        positive(field, op.outFeatures, `${op.name} output features`);
        modules.push({
          op: 'linear',
          name: op.name,
          block: null,
          role: 'classifier',
          called: true,
          inFeatures: op.inFeatures,
          outFeatures: op.outFeatures,
          bias: op.bias,
        });
        fm = { channels: op.outFeatures, h: 1, w: 1 };
        break;
    }
  });
  return modules;
}
