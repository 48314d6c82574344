/**
 * Building a tfjs `LayersModel` from a {@link NetworkSpec}.
 *
 * The model mirrors the reference PyTorch forward pass in NHWC layout: stem convolutions, the
 * searchable blocks (optional 1×1 expansion + BN + activation; K×K depthwise or FuSe 1×K/K×1 + BN;
 * SE where the spec has it; activation; 1×1 projection + BN (+ activation for MobileNetV1);
 * residual addition), and the head (convolutions, global average pooling, MobileNetV3's biased 1×1
 * conv on the pooled map, dropout, classifier). Convolutions pad as PyTorch does: `'same'` at stride
 * 1, else an explicit `ZeroPadding2D` and a `'valid'` convolution (`paddingMode` in layers.ts says
 * why), BatchNorm uses PyTorch's defaults (eps 1e-5, momentum 0.1 = tfjs momentum 0.9), and the
 * initial weights follow PyTorch's definitions (init.ts: the reference's scheme by default).
 *
 * Layer names are stable and independent of the block operator, so teacher and student models
 * can be matched by name (see `transferWeights`):
 *
 * | layer | name |
 * |---|---|
 * | stem / head conv | the spec's module name, e.g. `features.0.0` (+ `.pad` when strided, `.bn`, `.act`) |
 * | block expansion 1×1 | `<block>.expand` (+ `.bn`, `.act`) |
 * | depthwise or FuSe | `<block>.op` (+ `.pad` for strided depthwise, `.bn`, `.act`) |
 * | SE | `<block>.se.pool`, `.se.reduce`, `.se.relu`, `.se.expand`, `.se.gate`, `.se.reshape`, `.se.scale` |
 * | projection 1×1 | `<block>.project` (+ `.bn`, `.act`) |
 * | residual | `<block>.add` |
 * | pooling, dropout, classifier | `head.pool`, `head.pool.reshape`, `head.dropout`, `head.flatten`, the spec's Linear name (e.g. `classifier.1`) |
 *
 * where `<block>` is the block's PyTorch path from the spec (`features.3`, `layers.0`). By default
 * (`fuseBatchNorm`) a BatchNorm directly followed by ReLU, ReLU6 or no activation is one
 * `BatchNormActivation` layer named `….bn` and there is no `….act` layer; BatchNorms before
 * h-swish or SE stay `BatchNormalization` + activation layers.
 * `moduleMap` (in the result) maps each weighted layer to the reference module(s) it holds.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { listModules } from '../module-list.js';
import type { BlockSpec, ConvOp, LinearOp, NetworkSpec } from '../types.js';
import { activationLayer, HardSigmoid } from './activations.js';
import { batchNormActivation, type FusedActivation } from './batch-norm-activation.js';
import { assertInitScheme, biasInit, convWeightInit, linearWeightInit, type InitScheme } from './init.js';
import { batchNorm, paddingMode, spatialStage } from './layers.js';

/** Which intermediate tensors become extra model outputs. */
export type TapMode = 'none' | 'block' | 'operator';

export interface BuildModelOptions {
  /**
   * Extra outputs, one per searchable block, after the logits:
   * - `none` (default): the model has one output, the logits;
   * - `block`: each block's output (after projection, BN and the residual addition). Its shape
   *   does not depend on the block's operator, so a teacher's and a student's taps line up for
   *   operator-level distillation (NOS);
   * - `operator`: each block's spatial-stage output as the projection sees it (after the
   *   depthwise/FuSe conv, its BN, SE and activation): `hidden` channels for `dw` and
   *   `fuse_half`, `2·hidden` for `fuse_full`.
   */
  taps?: TapMode;
  /** Seed of every initialiser (default: unseeded, i.e. tfjs's global RNG). */
  seed?: number;
  /** Model name (default `<network>_<variant>`). */
  name?: string;
  /**
   * Fuse each BatchNorm with a directly following ReLU / ReLU6 / no activation into one
   * {@link BatchNormActivation} layer named `<…>.bn` (no separate `<…>.act` layer), which trains
   * with two fused kernels instead of a dozen ops. Same function and weights. Default true.
   */
  fuseBatchNorm?: boolean;
  /**
   * Which PyTorch initialisation to reproduce (see init.ts): `reference` (default), the
   * reference models' Kaiming-normal fan-out convs and N(0, 0.01) Linear layers; or `pytorch`,
   * the defaults of `nn.Conv2d` / `nn.Linear` (U(±1/√fan_in) weights and biases).
   */
  init?: InitScheme;
}

/** One extra output of the model. */
export interface Tap {
  /** Index of the searchable block (0-based). */
  block: number;
  /** The block's PyTorch path, e.g. `features.3`. */
  blockName: string;
  /** Name of the layer whose output is tapped (also in `model.outputNames`). */
  layer: string;
  /** Output shape without the batch dimension ([H, W, C]). */
  shape: number[];
  /** Position in the model's outputs (the logits are output 0). */
  output: number;
}

export interface BuiltModel {
  /** Outputs: the logits, then one tensor per tap in block order. */
  model: tfl.LayersModel;
  spec: NetworkSpec;
  taps: Tap[];
  /** Name of the logits layer (output 0). */
  logits: string;
  /** Weighted layer name → the reference PyTorch module(s) whose parameters it holds. */
  moduleMap: Record<string, string[]>;
}

type ST = tfl.SymbolicTensor;

function apply(layer: tfl.layers.Layer, x: ST | ST[]): ST {
  return layer.apply(x) as ST;
}

/**
 * Hands out deterministic, distinct seeds (or none): base, base + 2, … (FuseConv2D's second kernel
 * and the biases of the `pytorch` init use seed + 1). tfjs reads an initialiser seed of 0 as "no seed", so base 0 hands out −2, −4, …
 * instead (and FuseConv2D −1, −3, …), which no other (non-negative) base reaches.
 */
class Seeds {
  private next: number;
  private readonly step: number;
  constructor(private readonly base: number | undefined) {
    this.step = base === 0 ? -2 : 2;
    this.next = base === 0 ? -2 : (base ?? 0);
  }
  take(): number | null {
    if (this.base === undefined) return null;
    const s = this.next;
    this.next += this.step;
    return s;
  }
}

function activate(x: ST, activation: BlockSpec['activations']['expand'], name: string): ST {
  const layer = activationLayer(activation, name);
  return layer === null ? x : apply(layer, x);
}

/** What one build threads through its layers: the seed source and the BatchNorm fusion choice. */
interface BuildContext {
  seeds: Seeds;
  fuseBatchNorm: boolean;
  init: InitScheme;
}

/** BatchNorm `name` then the activation `actName`, fused into one layer where the build allows. */
function bnAct(x: ST, ctx: BuildContext, name: string, activation: BlockSpec['activations']['expand'], actName: string): ST {
  const fusable: Partial<Record<typeof activation, FusedActivation>> = { none: 'linear', relu: 'relu', relu6: 'relu6' };
  const fused = fusable[activation];
  if (ctx.fuseBatchNorm && fused !== undefined) return apply(batchNormActivation(name, fused), x);
  return activate(apply(batchNorm(name), x), activation, actName);
}

function conv(
  x: ST,
  opts: { name: string; filters: number; kernel: number; stride: number; padding: number; bias: boolean },
  ctx: BuildContext,
): ST {
  const seed = ctx.seeds.take();
  const inChannels = x.shape[3] as number;
  const fanIn = opts.kernel * opts.kernel * inChannels;
  const mode = paddingMode(opts.kernel, opts.stride, opts.padding);
  let y = x;
  if (mode === 'explicit') {
    const p = opts.padding;
    y = apply(
      tfl.layers.zeroPadding2d({
        name: `${opts.name}.pad`,
        padding: [
          [p, p],
          [p, p],
        ],
      }),
      y,
    );
  }
  return apply(
    tfl.layers.conv2d({
      name: opts.name,
      filters: opts.filters,
      kernelSize: opts.kernel,
      strides: opts.stride,
      padding: mode === 'same' ? 'same' : 'valid',
      useBias: opts.bias,
      kernelInitializer: convWeightInit(ctx.init, { fanIn, fanOut: opts.kernel * opts.kernel * opts.filters }, seed),
      // seed + 1 is free (Seeds steps by 2).
      biasInitializer: biasInit(ctx.init, fanIn, seed === null ? null : seed + 1),
    }),
    y,
  );
}

function convOp(x: ST, op: ConvOp, ctx: BuildContext): ST {
  const y = conv(
    x,
    { name: op.name, filters: op.outChannels, kernel: op.kernel, stride: op.stride, padding: op.padding, bias: op.bias },
    ctx,
  );
  if (op.batchNorm) return bnAct(y, ctx, `${op.name}.bn`, op.activation, `${op.name}.act`);
  return activate(y, op.activation, `${op.name}.act`);
}

function dense(x: ST, name: string, units: number, bias: boolean, ctx: BuildContext): ST {
  const seed = ctx.seeds.take();
  const inFeatures = x.shape[x.shape.length - 1] as number;
  return apply(
    tfl.layers.dense({
      name,
      units,
      useBias: bias,
      kernelInitializer: linearWeightInit(ctx.init, inFeatures, seed),
      biasInitializer: biasInit(ctx.init, inFeatures, seed === null ? null : seed + 1),
    }),
    x,
  );
}

interface BlockOutputs {
  out: ST;
  operator: ST;
  outputLayer: string;
  operatorLayer: string;
}

function lastLayerName(x: ST): string {
  return x.sourceLayer.name;
}

function block(x: ST, b: BlockSpec, ctx: BuildContext): BlockOutputs {
  const { seeds } = ctx;
  const n = b.name;
  let y = x;
  if (b.expand === 'called') {
    // 'unused' (the reference's never-called FuSe expansion when t = 1) is not built.
    y = conv(y, { name: `${n}.expand`, filters: b.hiddenChannels, kernel: 1, stride: 1, padding: 0, bias: false }, ctx);
    y = bnAct(y, ctx, `${n}.expand.bn`, b.activations.expand, `${n}.expand.act`);
  }
  y = spatialStage(y, {
    name: `${n}.op`,
    operator: b.operator,
    kernel: b.kernel,
    stride: b.stride,
    padding: b.padding,
    seed: seeds.take(),
    init: ctx.init,
  });
  if (b.se === null) {
    y = bnAct(y, ctx, `${n}.op.bn`, b.activations.depthwise, `${n}.op.act`);
  } else {
    y = apply(batchNorm(`${n}.op.bn`), y);
    const se = b.se;
    let g = apply(tfl.layers.globalAveragePooling2d({ name: `${n}.se.pool` }), y);
    g = dense(g, `${n}.se.reduce`, se.reducedChannels, false, ctx);
    g = apply(tfl.layers.reLU({ name: `${n}.se.relu` }), g);
    g = dense(g, `${n}.se.expand`, se.channels, false, ctx);
    g = apply(new HardSigmoid({ name: `${n}.se.gate` }), g);
    g = apply(tfl.layers.reshape({ name: `${n}.se.reshape`, targetShape: [1, 1, se.channels] }), g);
    y = apply(tfl.layers.multiply({ name: `${n}.se.scale` }), [y, g]);
    y = activate(y, b.activations.depthwise, `${n}.op.act`);
  }
  const operator = y;
  y = conv(y, { name: `${n}.project`, filters: b.outChannels, kernel: 1, stride: 1, padding: 0, bias: false }, ctx);
  y = bnAct(y, ctx, `${n}.project.bn`, b.activations.project, `${n}.project.act`);
  if (b.residual) y = apply(tfl.layers.add({ name: `${n}.add` }), [x, y]);
  return { out: y, operator, outputLayer: lastLayerName(y), operatorLayer: lastLayerName(operator) };
}

function moduleMap(spec: NetworkSpec): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  const add = (layer: string, module: string): void => {
    (map[layer] ??= []).push(module);
  };
  const blocks = new Map(spec.blocks.map((b) => [b.index, b.name]));
  for (const m of listModules(spec)) {
    if (!m.called) continue;
    const blockName = m.block === null ? undefined : blocks.get(m.block);
    if (blockName === undefined) {
      add(m.name, m.name);
      continue;
    }
    const suffix = {
      stem: '',
      head: '',
      classifier: '',
      expand: 'expand',
      depthwise: 'op',
      fuse_h: 'op',
      fuse_v: 'op',
      se_reduce: 'se.reduce',
      se_expand: 'se.expand',
      project: 'project',
    }[m.role];
    add(`${blockName}.${suffix}`, m.name);
  }
  return map;
}

/**
 * Builds the tfjs model of `spec` (any network, variant or operator list, width, input size and
 * class count). Input: `[batch, inputSize, inputSize, 3]` (NHWC); output 0: logits
 * `[batch, numClasses]` (no softmax); further outputs: the taps (see {@link BuildModelOptions}).
 *
 * The trainable parameter count equals `modelStats(spec).params - modelStats(spec).unusedParams`
 * (the reference's never-called expansion convs are not built).
 */
export function buildModel(spec: NetworkSpec, options: BuildModelOptions = {}): BuiltModel {
  const tapMode = options.taps ?? 'none';
  if (tapMode !== 'none' && tapMode !== 'block' && tapMode !== 'operator') {
    throw new Error(`buildModel: taps must be 'none', 'block' or 'operator', got ${JSON.stringify(tapMode)}`);
  }
  if (options.seed !== undefined && !(Number.isSafeInteger(options.seed) && options.seed >= 0)) {
    throw new Error(`buildModel: seed must be a non-negative integer, got ${JSON.stringify(options.seed)}`);
  }
  listModules(spec); // validates the spec (channels chain, kernels fit)
  const init = options.init ?? 'reference';
  assertInitScheme(init);
  const ctx: BuildContext = { seeds: new Seeds(options.seed), fuseBatchNorm: options.fuseBatchNorm ?? true, init };
  const input = tfl.input({ shape: [spec.inputSize, spec.inputSize, spec.inputChannels], name: 'input' });
  let x: ST = input;
  for (const op of spec.stem) x = convOp(x, op, ctx);

  const tapTensors: ST[] = [];
  const taps: Tap[] = [];
  for (const b of spec.blocks) {
    const r = block(x, b, ctx);
    x = r.out;
    if (tapMode !== 'none') {
      const t = tapMode === 'block' ? r.out : r.operator;
      tapTensors.push(t);
      taps.push({
        block: b.index,
        blockName: b.name,
        layer: tapMode === 'block' ? r.outputLayer : r.operatorLayer,
        shape: t.shape.slice(1) as number[],
        output: taps.length + 1,
      });
    }
  }

  let pooled = false; // rank 2 after pooling
  for (const op of spec.head) {
    switch (op.op) {
      case 'conv':
        if (pooled) {
          x = apply(tfl.layers.reshape({ name: `${op.name}.reshape`, targetShape: [1, 1, x.shape[1] as number] }), x);
          pooled = false;
        }
        x = convOp(x, op, ctx);
        break;
      case 'global_avg_pool':
        if (!pooled) {
          x = apply(tfl.layers.globalAveragePooling2d({ name: 'head.pool' }), x);
          pooled = true;
        }
        break;
      case 'dropout':
        x = apply(tfl.layers.dropout({ name: 'head.dropout', rate: op.rate }), x);
        break;
      case 'linear': {
        const lin: LinearOp = op;
        if (!pooled) x = apply(tfl.layers.flatten({ name: `${lin.name}.flatten` }), x);
        pooled = true;
        x = dense(x, lin.name, lin.outFeatures, lin.bias, ctx);
        break;
      }
    }
  }
  if (x.shape.length !== 2) x = apply(tfl.layers.flatten({ name: 'head.flatten' }), x);
  const logits = x;

  const model = tfl.model({
    inputs: input,
    outputs: tapTensors.length === 0 ? logits : [logits, ...tapTensors],
    name: options.name ?? `${spec.network}_${spec.variant}`,
  });
  return { model, spec, taps, logits: logits.sourceLayer.name, moduleMap: moduleMap(spec) };
}

/** Trainable parameters of a tfjs model (BatchNorm moving statistics excluded, as PyTorch). */
export function countTrainableParams(model: tfl.LayersModel): number {
  return model.trainableWeights.reduce((sum, w) => sum + w.shape.reduce<number>((a, b) => a * (b ?? 0), 1), 0);
}

/** The layers of a model that own weights, by name. */
export function weightedLayers(model: tfl.LayersModel): Map<string, tfl.layers.Layer> {
  return new Map(model.layers.filter((l) => l.weights.length > 0).map((l) => [l.name, l]));
}

/** Runs the model in inference mode on `x` and returns the logits (taps dropped). */
export function predictLogits(built: BuiltModel, x: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const out = built.model.predict(x);
    const first = Array.isArray(out) ? out[0] : out;
    if (first === undefined) throw new Error('model has no outputs');
    return first as tf.Tensor2D;
  });
}
