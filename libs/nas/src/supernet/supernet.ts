/**
 * A weight-sharing supernet over a network's per-block operator choice: every searchable block
 * holds a depthwise, a FuSe-half and a FuSe-full branch (or the subset asked for), and a path — one
 * operator per block — is one network of the search space.
 *
 * What is shared: the supernet is made of the models `buildModel` builds for the network with every
 * block depthwise, every block FuSe-half and every block FuSe-full. The stem, the head and, in each
 * block, every layer whose weights have the same shapes in all branches (the 1×1 expansion and its
 * BatchNorm, the projection's BatchNorm, SE where channel counts agree) are the depthwise model's
 * and shared by all paths. Branch-specific: the spatial stage (`<block>.op`), its BatchNorm (it
 * normalises a different operator's output), and what FuSe-full's doubled channels change (its
 * projection, its SE). Layer names are the builder's, so a path's weights map one to one onto
 * `buildModel`'s network for that path (`extractSubnet`).
 *
 * NOS applied to the supernet (`scaffoldFromDepthwise`): each FuSe branch starts from its block's
 * depthwise kernel — the 1×K kernels from its centre row, the K×1 kernels from its centre column
 * (FuSe-half: the first ⌈C/2⌉ channels horizontal, the rest vertical, as `FuseConv2D` splits them);
 * the branch BatchNorm from the depthwise one (FuSe-full: duplicated for both halves); FuSe-full's
 * projection from the shared one as ½·[P; P], so that h + v ≈ the depthwise response keeps its
 * scale. With `initializeFromTeacher` the depthwise path first takes a trained baseline's weights.
 *
 * The forward pass runs the layers eagerly on tensors (no tfjs graph is built per path: there are
 * 3^17 paths in MobileNetV2), in the builder's order; `supernet.test.ts` checks it against the
 * built network of the same path.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { BLOCK_OPERATORS, buildNetwork, type BlockOperator, type NetworkSpec, type ShapeOptions } from '@fuselab/fuseconv';
import { buildModel, isBatchNorm, scaffoldStage, transferWeights, type BuiltModel, type InitScheme } from '@fuselab/fuseconv/tfjs';
import { NasInputError } from '../errors.js';

export interface SupernetOptions {
  /** Operators every block chooses from (default all: dw, fuse_full, fuse_half). Must include `dw`. */
  operators?: readonly BlockOperator[];
  /** Seed of the initialisers (default 0). */
  seed?: number;
  /** PyTorch initialisation to reproduce (`buildModel`'s; default `reference`). */
  init?: InitScheme;
  /** Initialise the FuSe branches from the depthwise kernels (NOS; default true). */
  scaffold?: boolean;
}

/** The network a path is, given the supernet's shape. */
export type Path = readonly BlockOperator[];

type LayerMap = Map<string, tfl.layers.Layer>;

/** A BatchNorm layer on a path, with the tensor it normalises (recalibration reads it). */
export type BatchNormHook = (layer: tfl.layers.Layer, input: tf.Tensor) => void;

export interface ForwardOptions {
  /** BatchNorm on batch statistics, dropout on (default false: inference). */
  training?: boolean;
  /** Called with each BatchNorm layer's input before the layer runs. */
  onBatchNorm?: BatchNormHook;
}

const weightShapes = (layer: tfl.layers.Layer): string => layer.weights.map((w) => w.shape.join('x')).join(',');

export class Supernet {
  /** The network's shape options (network, width, input size, classes, stem). */
  readonly shape: ShapeOptions;
  readonly operators: readonly BlockOperator[];
  /** The all-`dw` network's spec (blocks, stem, head). */
  readonly spec: NetworkSpec;
  /** One model per operator; the supernet's layers are drawn from them. */
  private readonly models: Map<BlockOperator, BuiltModel>;
  /** Stem and head layers (the depthwise model's). */
  private readonly shared: LayerMap;
  /** Per block, per operator: the layers that block runs with that operator. */
  private readonly blockLayers: Map<BlockOperator, LayerMap>[];
  /** Every layer the supernet runs, once, by a stable key: its name, or `<operator>:<name>` for a branch's own. */
  private readonly owned: LayerMap;

  constructor(shape: ShapeOptions, options: SupernetOptions = {}) {
    const operators = [...(options.operators ?? BLOCK_OPERATORS)];
    if (operators.length === 0) throw new NasInputError('operators', 'expected at least one operator');
    operators.forEach((op, i) => {
      if (!(BLOCK_OPERATORS as readonly string[]).includes(op))
        throw new NasInputError(`operators[${i}]`, `expected one of ${BLOCK_OPERATORS.join(', ')}, got ${JSON.stringify(op)}`);
      if (operators.indexOf(op) !== i) throw new NasInputError(`operators[${i}]`, `duplicate operator ${op}`);
    });
    if (!operators.includes('dw'))
      throw new NasInputError(
        'operators',
        'must include dw: the shared layers and the FuSe branches’ initialisation come from the depthwise network',
      );
    this.shape = shape;
    this.operators = operators;
    const seed = options.seed ?? 0;
    const blockCount = buildNetwork({ ...shape, variant: 'baseline' }).blocks.length;
    const specs = new Map(operators.map((op) => [op, buildNetwork({ ...shape, operators: Array<BlockOperator>(blockCount).fill(op) })]));
    this.spec = specs.get('dw')!;
    checkAlignment(this.spec, specs);
    // Distinct seeds per branch model (the builder steps its seeds by 2 from the base).
    this.models = new Map(
      operators.map((op, i) => [op, buildModel(specs.get(op)!, { seed: seed + i * 100_003, init: options.init ?? 'reference' })]),
    );
    const base = this.models.get('dw')!.model;
    const blockPrefixes = this.spec.blocks.map((b) => `${b.name}.`);
    const inBlock = (name: string): number => blockPrefixes.findIndex((p) => name.startsWith(p));
    this.shared = new Map(base.layers.filter((l) => inBlock(l.name) < 0).map((l) => [l.name, l]));
    this.owned = new Map(this.shared);
    const baseByName = new Map(base.layers.map((l) => [l.name, l]));
    this.blockLayers = this.spec.blocks.map((b, i) => {
      const perOp = new Map<BlockOperator, LayerMap>();
      for (const op of operators) {
        const map: LayerMap = new Map();
        for (const layer of this.models.get(op)!.model.layers) {
          if (inBlock(layer.name) !== i) continue;
          // Shared: a weighted layer outside the spatial stage whose weights fit every branch.
          // Weightless layers are each branch's own (a reshape's target shape follows its channels).
          const own = baseByName.get(layer.name);
          const branchOnly = layer.name.startsWith(`${b.name}.op`) || layer.weights.length === 0;
          const chosen = !branchOnly && own !== undefined && weightShapes(own) === weightShapes(layer) ? own : layer;
          map.set(layer.name, chosen);
          this.owned.set(chosen === own ? layer.name : `${op}:${layer.name}`, chosen);
        }
        perOp.set(op, map);
      }
      return perOp;
    });
    if (options.scaffold ?? true) this.scaffoldFromDepthwise();
  }

  /** Number of searchable blocks (the length of a path). */
  get blocks(): number {
    return this.spec.blocks.length;
  }

  /** The spec of the network a path is. */
  specOf(path: Path): NetworkSpec {
    this.checkPath(path);
    return buildNetwork({ ...this.shape, operators: path });
  }

  checkPath(path: Path, field = 'path'): void {
    if (path.length !== this.blocks)
      throw new NasInputError(field, `expected ${this.blocks} operators (one per block), got ${path.length}`);
    path.forEach((op, i) => {
      if (!this.operators.includes(op))
        throw new NasInputError(
          `${field}[${i}]`,
          `expected one of the supernet's operators ${this.operators.join(', ')}, got ${JSON.stringify(op)}`,
        );
    });
  }

  /** The layers a path runs, by name (stem, blocks with their chosen branch, head). */
  layersOf(path: Path): LayerMap {
    this.checkPath(path);
    const all: LayerMap = new Map(this.shared);
    path.forEach((op, i) => {
      for (const [name, layer] of this.blockLayers[i]!.get(op)!) all.set(name, layer);
    });
    return all;
  }

  /** The trainable variables of a path (what a single-path step differentiates and updates). */
  trainableOf(path: Path): tf.Variable[] {
    const seen = new Set<tfl.layers.Layer>();
    const out: tf.Variable[] = [];
    for (const layer of this.layersOf(path).values()) {
      if (seen.has(layer)) continue;
      seen.add(layer);
      for (const w of layer.trainableWeights) out.push(w.read() as tf.Variable);
    }
    return out;
  }

  /** Every trainable variable of the supernet, once. */
  allTrainable(): tf.Variable[] {
    return [...this.owned.values()].flatMap((l) => l.trainableWeights.map((w) => w.read() as tf.Variable));
  }

  /** Parameters of the supernet (each shared weight once), BatchNorm statistics excluded. */
  get parameterCount(): number {
    return this.allTrainable().reduce((sum, v) => sum + v.size, 0);
  }

  /** Logits of a path on NHWC images `x`, mirroring `buildModel`'s network for that path. */
  forward(x: tf.Tensor4D, path: Path, options: ForwardOptions = {}): tf.Tensor2D {
    this.checkPath(path);
    return this.forwardMixture(
      x,
      path.map((op) => [op]),
      options,
    );
  }

  /**
   * Logits of a mixed supernet: each block runs every operator of its set and sums their projected
   * outputs before the shared projection BatchNorm (DARTS's mixed operation, placed after the
   * projection because FuSe-full's spatial output has twice the channels). A set of one operator
   * is that operator's branch exactly, so `forward(x, path)` is the mixture of singletons.
   */
  forwardMixture(x: tf.Tensor4D, mixture: readonly (readonly BlockOperator[])[], options: ForwardOptions = {}): tf.Tensor2D {
    if (mixture.length !== this.blocks)
      throw new NasInputError('mixture', `expected ${this.blocks} operator sets (one per block), got ${mixture.length}`);
    mixture.forEach((ops, i) => {
      if (ops.length === 0) throw new NasInputError(`mixture[${i}]`, 'expected at least one operator');
      const stray = ops.find((op) => !this.operators.includes(op));
      if (stray !== undefined)
        throw new NasInputError(
          `mixture[${i}]`,
          `expected the supernet's operators ${this.operators.join(', ')}, got ${JSON.stringify(stray)}`,
        );
    });
    const kwargs = { training: options.training ?? false };
    const hook = options.onBatchNorm;
    const run = (layers: LayerMap, name: string, input: tf.Tensor | tf.Tensor[], required = true): tf.Tensor => {
      const layer = layers.get(name);
      if (layer === undefined) {
        if (required) throw new Error(`supernet: no layer ${name}`);
        return input as tf.Tensor;
      }
      if (hook !== undefined && isBatchNorm(layer)) hook(layer, input as tf.Tensor);
      return layer.apply(input, kwargs) as tf.Tensor;
    };
    const optional = (layers: LayerMap, name: string, input: tf.Tensor): tf.Tensor => run(layers, name, input, false);
    const convOp = (name: string, input: tf.Tensor): tf.Tensor =>
      optional(
        this.shared,
        `${name}.act`,
        optional(this.shared, `${name}.bn`, run(this.shared, name, optional(this.shared, `${name}.pad`, input))),
      );

    let h: tf.Tensor = x;
    for (const op of this.spec.stem) h = convOp(op.name, h);
    this.spec.blocks.forEach((b, i) => {
      const n = b.name;
      const maps = mixture[i]!.map((op) => this.blockLayers[i]!.get(op)!);
      const common = maps[0]!; // the expansion, the projection BatchNorm and the residual are shared
      let y = h;
      if (b.expand === 'called') y = optional(common, `${n}.expand.act`, run(common, `${n}.expand.bn`, run(common, `${n}.expand`, y)));
      const branches = maps.map((m) => {
        let z = run(m, `${n}.op.bn`, run(m, `${n}.op`, optional(m, `${n}.op.pad`, y)));
        if (b.se !== null) {
          let g = run(m, `${n}.se.pool`, z);
          for (const part of ['reduce', 'relu', 'expand', 'gate', 'reshape']) g = run(m, `${n}.se.${part}`, g);
          z = run(m, `${n}.se.scale`, [z, g]);
        }
        return run(m, `${n}.project`, optional(m, `${n}.op.act`, z));
      });
      y = branches.length === 1 ? branches[0]! : tf.addN(branches);
      y = optional(common, `${n}.project.act`, run(common, `${n}.project.bn`, y));
      h = b.residual ? run(common, `${n}.add`, [h, y]) : y;
    });
    const head = (name: string, input: tf.Tensor) => run(this.shared, name, input);
    let pooled = false;
    for (const op of this.spec.head) {
      if (op.op === 'conv') {
        if (pooled) h = head(`${op.name}.reshape`, h);
        pooled = false;
        h = convOp(op.name, h);
      } else if (op.op === 'global_avg_pool') {
        if (!pooled) h = head('head.pool', h);
        pooled = true;
      } else if (op.op === 'dropout') {
        h = head('head.dropout', h);
      } else {
        if (!pooled) h = head(`${op.name}.flatten`, h);
        pooled = true;
        h = head(op.name, h);
      }
    }
    if (h.rank !== 2) h = head('head.flatten', h);
    return h as tf.Tensor2D;
  }

  /** Every layer a mixture runs (stem, head, each block's branches of its set). */
  layersOfMixture(mixture: readonly (readonly BlockOperator[])[]): tfl.layers.Layer[] {
    const out = new Set<tfl.layers.Layer>(this.shared.values());
    mixture.forEach((ops, i) => ops.forEach((op) => this.blockLayers[i]!.get(op)!.forEach((l) => out.add(l))));
    return [...out];
  }

  /**
   * NOS on the supernet: every FuSe branch from its block's depthwise branch (see the file's
   * comment). Call again after the depthwise path changed (e.g. after `initializeFromTeacher`).
   */
  scaffoldFromDepthwise(): void {
    this.spec.blocks.forEach((b, i) => {
      const branches = this.blockLayers[i]!;
      const dw = branches.get('dw')!;
      const depthwise = {
        op: dw.get(`${b.name}.op`)!.getWeights(),
        batchNorm: dw.get(`${b.name}.op.bn`)!.getWeights(),
        projection: dw.get(`${b.name}.project`)!.getWeights(),
      };
      for (const [operator, mode] of [
        ['fuse_half', 'half'],
        ['fuse_full', 'full'],
      ] as const) {
        const layers = branches.get(operator);
        if (layers === undefined) continue;
        const stage = scaffoldStage(depthwise, mode);
        layers.get(`${b.name}.op`)!.setWeights(stage.op);
        layers.get(`${b.name}.op.bn`)!.setWeights(stage.batchNorm);
        // FuSe-half's projection is the shared (depthwise) layer, already holding these weights.
        if (mode === 'full') layers.get(`${b.name}.project`)!.setWeights(stage.projection);
        [...stage.op, ...stage.batchNorm, ...stage.projection].forEach((t) => t.dispose());
      }
    });
  }

  /**
   * Starts the supernet from a trained baseline network of the same shape (e.g. a campaign's
   * teacher): its weights go into the depthwise path (shared layers included), then the FuSe
   * branches are scaffolded from it. Returns the layers copied.
   */
  initializeFromTeacher(teacher: tfl.LayersModel): string[] {
    const result = transferWeights(teacher, this.models.get('dw')!.model);
    const missing = Object.entries(result.reasons).filter(([, why]) => why !== 'excluded by filter');
    if (missing.length > 0) {
      const [name, why] = missing[0]!;
      throw new NasInputError('teacher', `is not this supernet's depthwise network: layer ${name}: ${why}`);
    }
    this.scaffoldFromDepthwise();
    return result.copied;
  }

  /**
   * Every weight of the supernet (BatchNorm statistics included) once, keyed `<layer key>#<index>`
   * (stable across processes): a checkpoint. The tensors are the live variables; copy to keep.
   */
  weights(): tf.NamedTensorMap {
    const out: tf.NamedTensorMap = {};
    for (const [key, layer] of this.owned) layer.weights.forEach((w, j) => (out[`${key}#${j}`] = w.read()));
    return out;
  }

  /** Loads what `weights()` returned from a supernet of the same shape and operators. */
  loadWeights(weights: tf.NamedTensorMap): void {
    for (const [key, layer] of this.owned) {
      layer.weights.forEach((w, j) => {
        const value = weights[`${key}#${j}`];
        if (value === undefined) throw new NasInputError('weights', `missing ${key}#${j}: not a checkpoint of this supernet`);
        if (value.shape.join('x') !== w.shape.join('x'))
          throw new NasInputError('weights', `${key}#${j} has shape ${value.shape.join('×')}, expected ${w.shape.join('×')}`);
        w.write(value);
      });
    }
  }

  dispose(): void {
    for (const built of this.models.values()) built.model.dispose();
  }
}

/** Every branch's block must have the same structure but for the spatial operator. */
function checkAlignment(base: NetworkSpec, specs: Map<BlockOperator, NetworkSpec>): void {
  for (const [op, spec] of specs) {
    spec.blocks.forEach((b, i) => {
      const d = base.blocks[i]!;
      const same =
        b.name === d.name &&
        b.hiddenChannels === d.hiddenChannels &&
        (b.expand === 'called') === (d.expand === 'called') &&
        b.stride === d.stride &&
        b.kernel === d.kernel &&
        b.residual === d.residual &&
        (b.se === null) === (d.se === null);
      if (!same) throw new NasInputError('network', `block ${d.name} is built differently with ${op}: a supernet cannot share its layers`);
    });
  }
}
