/**
 * A float64 reference of a `buildModel` network (tests only: the testing/ folders are left out of the build
 * and the published package, tsconfig.lib.json):
 * forward in training mode (batch statistics) and backward of the mean softmax cross-entropy,
 * written independently of tfjs, in plain loops over Float64Arrays. It reads the layer graph and
 * the weights of a tf.layers model and supports the layers a FuSe MobileNetV2 is built from:
 * InputLayer, ZeroPadding2D, Conv2D (`'valid'`, or `'same'` at stride 1; no bias), FuseConv2D, BatchNormActivation, Add,
 * GlobalAveragePooling2D, Dropout (identity: callers set the rate to 0) and Dense.
 *
 * `masks` replaces the activation masks (1 where the ReLU / ReLU6 passes the gradient) of the
 * named BatchNormActivation layers in the backward pass: the reference gradient *on the same
 * activation branches* as a backend took, which is a smooth function of the inputs and weights,
 * unlike the gradient itself, which jumps when a pre-activation crosses 0 or 6.
 */
import type * as tfl from '@tensorflow/tfjs-layers';

interface F64 {
  shape: number[];
  v: Float64Array;
}

interface LayerInfo {
  name: string;
  cls: string;
  inputs: string[];
  config: Record<string, unknown>;
  weights: Map<string, F64>;
}

interface BnState {
  xhat: Float64Array;
  rstd: Float64Array;
  pre: Float64Array;
  mask: Uint8Array;
}

export interface Float64Result {
  loss: number;
  /** Gradient per trainable weight, keyed like tfjs's `originalName` (`<layer>/<weight>`). */
  grads: Map<string, Float64Array>;
  /** Forward output of every layer. */
  outputs: Map<string, Float64Array>;
  /** Pre-activations (γ·x̂ + β) of every BatchNormActivation layer. */
  preActivations: Map<string, Float64Array>;
  /** Activation masks of every BatchNormActivation layer (as used in the backward pass). */
  masks: Map<string, Uint8Array>;
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const zeros = (s: number[]): F64 => ({ shape: s, v: new Float64Array(size(s)) });
const at = (a: ArrayLike<number>, i: number): number => a[i] as number;

interface InboundNode {
  inboundLayers: Array<{ name: string }>;
}

function describeModel(model: tfl.LayersModel): LayerInfo[] {
  return model.layers.map((layer) => {
    const nodes = (layer as unknown as { inboundNodes: InboundNode[] }).inboundNodes;
    return {
      name: layer.name,
      cls: layer.getClassName(),
      inputs: nodes[0]?.inboundLayers.map((l) => l.name) ?? [],
      config: layer.getConfig() as Record<string, unknown>,
      weights: new Map(
        layer.weights.map((w) => {
          const short = w.originalName.split('/').pop() as string;
          return [short, { shape: w.shape as number[], v: Float64Array.from(w.read().dataSync()) }];
        }),
      ),
    };
  });
}

function weight(L: LayerInfo, name: string): F64 {
  const w = L.weights.get(name);
  if (w === undefined) throw new Error(`float64Reference: ${L.name} has no weight ${name}`);
  return w;
}

/** x zero-padded spatially by t, b (rows) and l, r (columns). */
function zeroPad(a: F64, t: number, b: number, l: number, r: number): F64 {
  const [N, H, W, C] = a.shape as [number, number, number, number];
  const Hp = H + t + b;
  const Wp = W + l + r;
  const y = zeros([N, Hp, Wp, C]);
  for (let n = 0; n < N; n++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++)
        for (let c = 0; c < C; c++) y.v[((n * Hp + h + t) * Wp + w + l) * C + c] = at(a.v, ((n * H + h) * W + w) * C + c);
  return y;
}

/** The gradient of {@link zeroPad}: dy cropped back to `shape` (offsets t, l). */
function cropPad(dy: F64, shape: number[], t: number, l: number): F64 {
  const [N, H, W, C] = shape as [number, number, number, number];
  const [, Hp, Wp] = dy.shape as [number, number, number];
  const dx = zeros(shape);
  for (let n = 0; n < N; n++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++)
        for (let c = 0; c < C; c++) dx.v[((n * H + h) * W + w) * C + c] = at(dy.v, ((n * Hp + h + t) * Wp + w + l) * C + c);
  return dx;
}

/** A Conv2D's own padding on each side: 0 for 'valid', (K − 1)/2 for 'same' (the builder uses it at stride 1 only). */
function convPadding(L: LayerInfo): number {
  if (L.config['useBias'] === true) throw new Error(`float64Reference: ${L.name}: only convolutions without bias`);
  const padding = L.config['padding'];
  if (padding === 'valid') return 0;
  const k = weight(L, 'kernel').shape[0] as number;
  if (padding !== 'same' || (L.config['strides'] as number[])[0] !== 1 || k % 2 === 0)
    throw new Error(`float64Reference: ${L.name}: only 'valid', or 'same' at stride 1 with an odd kernel`);
  return (k - 1) / 2;
}

function conv(x: F64, k: F64, s: number): F64 {
  const [N, H, W, Ci] = x.shape as [number, number, number, number];
  const [KH, KW, , Co] = k.shape as [number, number, number, number];
  const Ho = Math.floor((H - KH) / s) + 1;
  const Wo = Math.floor((W - KW) / s) + 1;
  const y = zeros([N, Ho, Wo, Co]);
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < Ho; oh++)
      for (let ow = 0; ow < Wo; ow++) {
        const yo = ((n * Ho + oh) * Wo + ow) * Co;
        for (let i = 0; i < KH; i++)
          for (let j = 0; j < KW; j++) {
            const xo = ((n * H + oh * s + i) * W + ow * s + j) * Ci;
            for (let ci = 0; ci < Ci; ci++) {
              const xv = at(x.v, xo + ci);
              const ko = ((i * KW + j) * Ci + ci) * Co;
              for (let co = 0; co < Co; co++) y.v[yo + co] = at(y.v, yo + co) + xv * at(k.v, ko + co);
            }
          }
      }
  return y;
}

function convBackward(dy: F64, x: F64, k: F64, s: number): [F64, F64] {
  const [N, H, W, Ci] = x.shape as [number, number, number, number];
  const [KH, KW, , Co] = k.shape as [number, number, number, number];
  const [, Ho, Wo] = dy.shape as [number, number, number];
  const dx = zeros(x.shape);
  const dk = zeros(k.shape);
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < Ho; oh++)
      for (let ow = 0; ow < Wo; ow++) {
        const yo = ((n * Ho + oh) * Wo + ow) * Co;
        for (let i = 0; i < KH; i++)
          for (let j = 0; j < KW; j++) {
            const xo = ((n * H + oh * s + i) * W + ow * s + j) * Ci;
            for (let ci = 0; ci < Ci; ci++) {
              const xv = at(x.v, xo + ci);
              const ko = ((i * KW + j) * Ci + ci) * Co;
              let a = 0;
              for (let co = 0; co < Co; co++) {
                const g = at(dy.v, yo + co);
                a += g * at(k.v, ko + co);
                dk.v[ko + co] = at(dk.v, ko + co) + xv * g;
              }
              dx.v[xo + ci] = at(dx.v, xo + ci) + a;
            }
          }
      }
  return [dx, dk];
}

interface FuseSeg {
  vertical: boolean;
  i0: number;
  o0: number;
  Cb: number;
}

/** FuSe stage (see fuseconv's FuseConv2D): role 0 forward, 1 backward (dx, dkh, dkv). */
function fuse(role: 0 | 1, x: F64, kh: F64, kv: F64, config: Record<string, unknown>, dy: F64 | null): F64[] {
  const K = config['kernelSize'] as number;
  const s = config['strides'] as number;
  const p = config['padding'] as number;
  const full = config['mode'] === 'full';
  const [N, H, W, C] = x.shape as [number, number, number, number];
  const Ch = kh.shape[2] as number;
  const Ho = Math.floor((H - 1) / s) + 1;
  const Wo = Math.floor((W + 2 * p - K) / s) + 1;
  const Cout = full ? 2 * C : C;
  const segs: FuseSeg[] = full
    ? [
        { vertical: false, i0: 0, o0: 0, Cb: C },
        { vertical: true, i0: 0, o0: C, Cb: C },
      ]
    : [
        { vertical: false, i0: 0, o0: 0, Cb: Ch },
        { vertical: true, i0: Ch, o0: Ch, Cb: C - Ch },
      ];
  const y = zeros([N, Ho, Wo, Cout]);
  const dx = zeros(x.shape);
  const dks = [zeros(kh.shape), zeros(kv.shape)];
  segs.forEach((seg, si) => {
    const w = si === 0 ? kh : kv;
    const dw = dks[si] as F64;
    for (let n = 0; n < N; n++)
      for (let oh = 0; oh < Ho; oh++)
        for (let ow = 0; ow < Wo; ow++)
          for (let k = 0; k < K; k++) {
            const ih = seg.vertical ? oh * s + k - p : oh * s;
            const iw = seg.vertical ? ow * s : ow * s + k - p;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            for (let c = 0; c < seg.Cb; c++) {
              const go = ((n * Ho + oh) * Wo + ow) * Cout + seg.o0 + c;
              const xo = ((n * H + ih) * W + iw) * C + seg.i0 + c;
              const wo = k * seg.Cb + c;
              if (role === 0) {
                y.v[go] = at(y.v, go) + at(w.v, wo) * at(x.v, xo);
              } else {
                const g = at((dy as F64).v, go);
                dx.v[xo] = at(dx.v, xo) + at(w.v, wo) * g;
                dw.v[wo] = at(dw.v, wo) + at(x.v, xo) * g;
              }
            }
          }
  });
  return role === 0 ? [y] : [dx, dks[0] as F64, dks[1] as F64];
}

function batchNormAct(x: F64, L: LayerInfo): { y: F64; st: BnState } {
  const gamma = weight(L, 'gamma').v;
  const beta = weight(L, 'beta').v;
  const eps = L.config['epsilon'] as number;
  const act = L.config['activation'] as string;
  const C = gamma.length;
  const n = x.v.length;
  const M = n / C;
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  for (let i = 0; i < n; i++) mean[i % C] = at(mean, i % C) + at(x.v, i) / M;
  for (let i = 0; i < n; i++) {
    const d = at(x.v, i) - at(mean, i % C);
    variance[i % C] = at(variance, i % C) + (d * d) / M;
  }
  const rstd = variance.map((v) => 1 / Math.sqrt(v + eps));
  const lo = act === 'linear' ? -Infinity : 0;
  const hi = act === 'relu6' ? 6 : Infinity;
  const y = zeros(x.shape);
  const xhat = new Float64Array(n);
  const pre = new Float64Array(n);
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % C;
    xhat[i] = (at(x.v, i) - at(mean, c)) * at(rstd, c);
    const z = at(xhat, i) * at(gamma, c) + at(beta, c);
    pre[i] = z;
    mask[i] = z > lo && z <= hi ? 1 : 0;
    y.v[i] = z > lo ? (z < hi ? z : hi) : 0;
  }
  return { y, st: { xhat, rstd, pre, mask } };
}

function batchNormActBackward(dy: F64, st: BnState, mask: Uint8Array, gamma: Float64Array): [F64, Float64Array, Float64Array] {
  const C = gamma.length;
  const n = dy.v.length;
  const M = n / C;
  const dz = dy.v.map((g, i) => (mask[i] === 1 ? g : 0));
  const dBeta = new Float64Array(C);
  const dGamma = new Float64Array(C);
  for (let i = 0; i < n; i++) {
    dBeta[i % C] = at(dBeta, i % C) + at(dz, i);
    dGamma[i % C] = at(dGamma, i % C) + at(dz, i) * at(st.xhat, i);
  }
  const dx = zeros(dy.shape);
  for (let i = 0; i < n; i++) {
    const c = i % C;
    dx.v[i] = at(gamma, c) * at(st.rstd, c) * (at(dz, i) - at(dBeta, c) / M - (at(st.xhat, i) * at(dGamma, c)) / M);
  }
  return [dx, dGamma, dBeta];
}

/**
 * Float64 training-mode forward and backward of `model` on `x` ([N, H, W, C] values) with mean
 * softmax cross-entropy against `labels`. `masks` (optional) overrides activation masks by layer.
 */
export function float64Reference(
  model: tfl.LayersModel,
  x: Float32Array,
  xShape: number[],
  labels: readonly number[],
  masks?: ReadonlyMap<string, Uint8Array>,
): Float64Result {
  const layers = describeModel(model);
  const acts = new Map<string, F64>();
  const bn = new Map<string, BnState>();
  const get = (name: string): F64 => {
    const a = acts.get(name);
    if (a === undefined) throw new Error(`float64Reference: no output for ${name}`);
    return a;
  };
  for (const L of layers) {
    const a = L.inputs.length > 0 ? get(L.inputs[0] as string) : null;
    let y: F64;
    switch (L.cls) {
      case 'InputLayer':
        y = { shape: xShape, v: Float64Array.from(x) };
        break;
      case 'ZeroPadding2D': {
        const [[t, b], [l, r]] = L.config['padding'] as [[number, number], [number, number]];
        y = zeroPad(a as F64, t, b, l, r);
        break;
      }
      case 'Conv2D': {
        const p = convPadding(L);
        y = conv(zeroPad(a as F64, p, p, p, p), weight(L, 'kernel'), (L.config['strides'] as number[])[0] as number);
        break;
      }
      case 'FuseConv2D':
        y = fuse(0, a as F64, weight(L, 'kernel_h'), weight(L, 'kernel_v'), L.config, null)[0] as F64;
        break;
      case 'BatchNormActivation': {
        const r = batchNormAct(a as F64, L);
        bn.set(L.name, r.st);
        y = r.y;
        break;
      }
      case 'Add': {
        const b = get(L.inputs[1] as string);
        y = { shape: (a as F64).shape, v: (a as F64).v.map((v, i) => v + at(b.v, i)) };
        break;
      }
      case 'GlobalAveragePooling2D': {
        const [N, H, W, C] = (a as F64).shape as [number, number, number, number];
        y = zeros([N, C]);
        for (let i = 0; i < (a as F64).v.length; i++) {
          const o = Math.floor(i / (H * W * C)) * C + (i % C);
          y.v[o] = at(y.v, o) + at((a as F64).v, i) / (H * W);
        }
        break;
      }
      case 'Dropout':
        y = a as F64;
        break;
      case 'Dense': {
        const [N, I] = (a as F64).shape as [number, number];
        const k = weight(L, 'kernel');
        const bias = L.weights.get('bias');
        const O = k.shape[1] as number;
        y = zeros([N, O]);
        for (let n = 0; n < N; n++)
          for (let o = 0; o < O; o++) {
            let s = bias === undefined ? 0 : at(bias.v, o);
            for (let i = 0; i < I; i++) s += at((a as F64).v, n * I + i) * at(k.v, i * O + o);
            y.v[n * O + o] = s;
          }
        break;
      }
      default:
        throw new Error(`float64Reference: unsupported layer ${L.cls} (${L.name})`);
    }
    acts.set(L.name, y);
  }

  const last = layers[layers.length - 1] as LayerInfo;
  const logits = get(last.name);
  const [N, K] = logits.shape as [number, number];
  let loss = 0;
  const dLogits = zeros(logits.shape);
  for (let n = 0; n < N; n++) {
    let m = -Infinity;
    for (let k = 0; k < K; k++) m = Math.max(m, at(logits.v, n * K + k));
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(at(logits.v, n * K + k) - m);
    const lse = m + Math.log(s);
    loss -= (at(logits.v, n * K + (labels[n] as number)) - lse) / N;
    for (let k = 0; k < K; k++) dLogits.v[n * K + k] = (Math.exp(at(logits.v, n * K + k) - lse) - (k === labels[n] ? 1 : 0)) / N;
  }

  const grads = new Map<string, Float64Array>();
  const usedMasks = new Map<string, Uint8Array>();
  const dOut = new Map<string, F64>([[last.name, dLogits]]);
  const accumulate = (name: string, d: F64): void => {
    const e = dOut.get(name);
    if (e === undefined) dOut.set(name, { shape: d.shape, v: Float64Array.from(d.v) });
    else for (let i = 0; i < d.v.length; i++) e.v[i] = at(e.v, i) + at(d.v, i);
  };
  for (let li = layers.length - 1; li >= 0; li--) {
    const L = layers[li] as LayerInfo;
    const dy = dOut.get(L.name);
    if (dy === undefined || L.cls === 'InputLayer') continue;
    const input = L.inputs[0] as string;
    const a = get(input);
    switch (L.cls) {
      case 'ZeroPadding2D': {
        const [[t], [l]] = L.config['padding'] as [[number, number], [number, number]];
        accumulate(input, cropPad(dy, a.shape, t, l));
        break;
      }
      case 'Conv2D': {
        const p = convPadding(L);
        const [dx, dk] = convBackward(dy, zeroPad(a, p, p, p, p), weight(L, 'kernel'), (L.config['strides'] as number[])[0] as number);
        grads.set(`${L.name}/kernel`, dk.v);
        accumulate(input, cropPad(dx, a.shape, p, p));
        break;
      }
      case 'FuseConv2D': {
        const [dx, dkh, dkv] = fuse(1, a, weight(L, 'kernel_h'), weight(L, 'kernel_v'), L.config, dy) as [F64, F64, F64];
        grads.set(`${L.name}/kernel_h`, dkh.v);
        grads.set(`${L.name}/kernel_v`, dkv.v);
        accumulate(input, dx);
        break;
      }
      case 'BatchNormActivation': {
        const st = bn.get(L.name) as BnState;
        const mask = L.config['activation'] === 'linear' ? st.mask : (masks?.get(L.name) ?? st.mask);
        usedMasks.set(L.name, mask);
        const [dx, dGamma, dBeta] = batchNormActBackward(dy, st, mask, weight(L, 'gamma').v);
        grads.set(`${L.name}/gamma`, dGamma);
        grads.set(`${L.name}/beta`, dBeta);
        accumulate(input, dx);
        break;
      }
      case 'Add':
        accumulate(input, dy);
        accumulate(L.inputs[1] as string, dy);
        break;
      case 'GlobalAveragePooling2D': {
        const [, H, W, C] = a.shape as [number, number, number, number];
        const dx = zeros(a.shape);
        for (let i = 0; i < a.v.length; i++) dx.v[i] = at(dy.v, Math.floor(i / (H * W * C)) * C + (i % C)) / (H * W);
        accumulate(input, dx);
        break;
      }
      case 'Dropout':
        accumulate(input, dy);
        break;
      case 'Dense': {
        const [Nn, I] = a.shape as [number, number];
        const k = weight(L, 'kernel');
        const O = k.shape[1] as number;
        const dk = new Float64Array(I * O);
        const db = new Float64Array(O);
        const dx = zeros(a.shape);
        for (let n = 0; n < Nn; n++)
          for (let o = 0; o < O; o++) {
            const g = at(dy.v, n * O + o);
            db[o] = at(db, o) + g;
            for (let i = 0; i < I; i++) {
              dk[i * O + o] = at(dk, i * O + o) + at(a.v, n * I + i) * g;
              dx.v[n * I + i] = at(dx.v, n * I + i) + at(k.v, i * O + o) * g;
            }
          }
        grads.set(`${L.name}/kernel`, dk);
        if (L.weights.has('bias')) grads.set(`${L.name}/bias`, db);
        accumulate(input, dx);
        break;
      }
    }
  }
  return {
    loss,
    grads,
    outputs: new Map([...acts].map(([k, v]) => [k, v.v])),
    preActivations: new Map([...bn].map(([k, st]) => [k, st.pre])),
    masks: usedMasks,
  };
}
