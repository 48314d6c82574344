/**
 * Weight transfer between models built by `buildModel`, matched by layer name.
 *
 * NOS initialises a FuSe student from its trained depthwise-separable teacher "wherever shapes
 * allow": stem, expansion convs, projections, SE, head and classifier — and the BatchNorm after
 * the spatial stage when its channel count matches (`fuse_half`; not `fuse_full`, whose BN sees
 * 2× the channels). The spatial convolutions themselves (`<block>.op`) only transfer between the
 * same operator (a `DepthwiseConv2D` to a `DepthwiseConv2D` in the blocks a `_50` or per-block
 * student keeps depthwise, a `FuseConv2D` of the same mode to another); a depthwise kernel is
 * never copied into a FuSe layer. Layer names do not depend on the operator, so this is
 * name-based matching plus a check of the layer class and every weight shape.
 */
import * as tfl from '@tensorflow/tfjs-layers';

export interface TransferOptions {
  /** Return `false` to leave a student layer as it is (it is reported as skipped). */
  filter?: (layerName: string) => boolean;
}

export interface TransferResult {
  /** Student layers whose weights (trainable and BN statistics) now equal the teacher's. */
  copied: string[];
  /** Student layers with weights that were left as they were. */
  skipped: string[];
  /** Why each skipped layer was skipped. */
  reasons: Record<string, string>;
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
  return { copied, skipped, reasons };
}
