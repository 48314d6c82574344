/**
 * Weight transfer between models built by `buildModel`, matched by layer name.
 *
 * NOS initialises a FuSe student from its trained depthwise-separable teacher "wherever shapes
 * allow": stem, expansion convs, projections, SE, head and classifier — and the BatchNorm after
 * the spatial stage when its channel count matches (`fuse_half`; not `fuse_full`, whose BN sees
 * 2× the channels). The spatial convolutions themselves (`<block>.op`) only transfer between the
 * same operator (a `DepthwiseConv2D` to a `DepthwiseConv2D` in the blocks a `_50` or per-block
 * student keeps depthwise, a `FuseConv2D` of the same mode to another); a depthwise kernel is
 * never copied into a FuSe layer — unless asked (`scaffold`), and then through `scaffoldStage`'s
 * rule, not as a copy. Layer names do not depend on the operator, so this is name-based matching
 * plus a check of the layer class and every weight shape.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { fuseChannels, FuseConv2D, type FuseMode } from './layers.js';

export interface TransferOptions {
  /** Return `false` to leave a student layer as it is (it is reported as skipped). */
  filter?: (layerName: string) => boolean;
  /**
   * Also start each FuSe stage of the student from the teacher's depthwise stage of the same block
   * (`scaffoldStage`: centre row and column of the depthwise kernel; for FuSe-full also its
   * BatchNorm and projection). Default false: the FuSe kernels keep their own initialisation.
   */
  scaffold?: boolean;
}

export interface TransferResult {
  /** Student layers whose weights (trainable and BN statistics) now equal the teacher's. */
  copied: string[];
  /** Student layers set from the teacher's depthwise stage by `scaffoldStage` (only with `scaffold`). */
  scaffolded: string[];
  /** Student layers with weights that were left as they were. */
  skipped: string[];
  /** Why each skipped layer was skipped. */
  reasons: Record<string, string>;
}

/** The weights of a depthwise block's spatial stage and projection, as its layers hold them. */
export interface StageWeights {
  /** `<block>.op`: the depthwise kernel [K, K, C, 1]; for a FuSe stage its kernels [1, K, ·, 1] and [K, 1, ·, 1]. */
  op: tf.Tensor[];
  /** `<block>.op.bn`: the BatchNorm's weights, each per channel (trainable and moving statistics). */
  batchNorm: tf.Tensor[];
  /** `<block>.project`: the 1×1 kernel [1, 1, C, C'] (and its bias, if it has one). */
  projection: tf.Tensor[];
}

/**
 * NOS's scaffold: the weights a FuSe stage (`mode`) starts from when it replaces a depthwise stage.
 * The 1×K kernels are the depthwise kernel's centre row, the K×1 kernels its centre column (FuSe-half:
 * the first ⌈C/2⌉ channels horizontal, the rest vertical, as `FuseConv2D` splits them), so each FuSe
 * filter starts as the part of its depthwise filter it can represent. The BatchNorm is the depthwise
 * one (FuSe-full: duplicated for its two halves); the projection is the same for FuSe-half and
 * ½·[P; P] for FuSe-full, so that the sum over the two halves keeps the depthwise response's scale.
 * The one definition used by the NOS student (`transferWeights(…, { scaffold: true })`) and by the
 * NAS supernet's FuSe branches. Returns new tensors; the caller disposes them.
 */
export function scaffoldStage(depthwise: StageWeights, mode: FuseMode): StageWeights {
  return tf.tidy(() => {
    const kernel = depthwise.op[0] as tf.Tensor4D;
    const [k, kw, c] = kernel.shape;
    if (k !== kw || kernel.shape[3] !== 1)
      throw new RangeError(`scaffoldStage: expected a depthwise kernel [K, K, C, 1], got [${kernel.shape.join(', ')}]`);
    const centre = (k - 1) >> 1;
    const row = tf.slice(kernel, [centre, 0, 0, 0], [1, k, c, 1]);
    const column = tf.slice(kernel, [0, centre, 0, 0], [k, 1, c, 1]);
    if (mode === 'half') {
      const { horizontal } = fuseChannels('half', c);
      return {
        op: [tf.slice(row, [0, 0, 0, 0], [1, k, horizontal, 1]), tf.slice(column, [0, 0, horizontal, 0], [k, 1, c - horizontal, 1])],
        batchNorm: depthwise.batchNorm.map((w) => w.clone()),
        projection: depthwise.projection.map((w) => w.clone()),
      };
    }
    const [p, ...bias] = depthwise.projection as [tf.Tensor4D, ...tf.Tensor[]];
    return {
      op: [row, column],
      batchNorm: depthwise.batchNorm.map((w) => tf.concat([w, w], 0)),
      projection: [tf.mul(tf.concat([p, p], 2), 0.5), ...bias.map((b) => b.clone())],
    };
  });
}

function mode(layer: tfl.layers.Layer): string | undefined {
  const m = (layer.getConfig() as { mode?: unknown }).mode;
  return typeof m === 'string' ? m : undefined;
}

/**
 * Copies weights from `teacher` to `student` for every layer with weights whose name, class (and
 * FuSe mode) and weight shapes agree. The student's weights are replaced by copies (later changes
 * to either model do not affect the other). Returns which student layers were copied and skipped.
 */
export function transferWeights(teacher: tfl.LayersModel, student: tfl.LayersModel, options: TransferOptions = {}): TransferResult {
  const byName = new Map(teacher.layers.map((l) => [l.name, l]));
  const copied: string[] = [];
  const skipped: string[] = [];
  const reasons: Record<string, string> = {};
  const skip = (name: string, reason: string): void => {
    skipped.push(name);
    reasons[name] = reason;
  };
  for (const layer of student.layers) {
    if (layer.weights.length === 0) continue;
    const name = layer.name;
    if (options.filter !== undefined && !options.filter(name)) {
      skip(name, 'excluded by filter');
      continue;
    }
    const source = byName.get(name);
    if (source === undefined) {
      skip(name, 'no teacher layer of this name');
      continue;
    }
    if (source.getClassName() !== layer.getClassName() || mode(source) !== mode(layer)) {
      skip(name, `layer type differs (teacher ${source.getClassName()}, student ${layer.getClassName()})`);
      continue;
    }
    const from = source.weights.map((w) => w.shape.join('x'));
    const to = layer.weights.map((w) => w.shape.join('x'));
    if (from.length !== to.length || from.some((s, i) => s !== to[i])) {
      skip(name, `weight shapes differ (teacher ${from.join(', ')}, student ${to.join(', ')})`);
      continue;
    }
    const values = source.getWeights().map((w) => w.clone());
    layer.setWeights(values);
    values.forEach((v) => v.dispose());
    copied.push(name);
  }
  const scaffolded = options.scaffold ? scaffoldFromTeacher(teacher, student, options.filter) : [];
  const done = new Set(scaffolded);
  const stillSkipped = skipped.filter((name) => !done.has(name));
  for (const name of scaffolded) delete reasons[name];
  return { copied: copied.filter((name) => !done.has(name)), scaffolded, skipped: stillSkipped, reasons };
}

/**
 * Every student `<block>.op` that is a FuSe layer where the teacher's is a depthwise convolution of
 * the same kernel size: its stage (`.op`, `.op.bn`, `.project`) from `scaffoldStage`. Returns the
 * student layers set.
 */
function scaffoldFromTeacher(teacher: tfl.LayersModel, student: tfl.LayersModel, filter: TransferOptions['filter']): string[] {
  const byName = (model: tfl.LayersModel) => new Map(model.layers.map((l) => [l.name, l]));
  const from = byName(teacher);
  const to = byName(student);
  const set: string[] = [];
  for (const layer of student.layers) {
    if (!(layer instanceof FuseConv2D)) continue;
    const source = from.get(layer.name);
    if (source?.getClassName() !== 'DepthwiseConv2D' || (source.getWeights()[0]!.shape[0] as number) !== layer.kernelSize) continue;
    const block = layer.name.replace(/\.op$/, '');
    const names = [`${block}.op`, `${block}.op.bn`, `${block}.project`] as const;
    if (filter !== undefined && !names.every(filter)) continue;
    const [teacherBn, teacherProjection, studentBn, studentProjection] = [
      from.get(names[1]),
      from.get(names[2]),
      to.get(names[1]),
      to.get(names[2]),
    ];
    if (!teacherBn || !teacherProjection || !studentBn || !studentProjection) continue;
    const stage = scaffoldStage(
      { op: source.getWeights(), batchNorm: teacherBn.getWeights(), projection: teacherProjection.getWeights() },
      layer.mode,
    );
    layer.setWeights(stage.op);
    studentBn.setWeights(stage.batchNorm);
    studentProjection.setWeights(stage.projection);
    [...stage.op, ...stage.batchNorm, ...stage.projection].forEach((t) => t.dispose());
    set.push(...names);
  }
  return set;
}
