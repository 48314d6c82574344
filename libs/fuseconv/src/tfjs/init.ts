/**
 * Weight initialisation with PyTorch's definitions, for the two schemes a PyTorch user meets:
 *
 * - `reference`: what the FuSeConv reference models (and torchvision's MobileNets) apply after
 *   construction — `kaiming_normal_(mode='fan_out')` for every conv weight, zero conv biases,
 *   N(0, 0.01) weights and zero biases for Linear layers;
 * - `pytorch`: the defaults of `nn.Conv2d` / `nn.Linear` themselves, i.e. a plain PyTorch network
 *   with no init code — `kaiming_uniform_(a=√5)` weights, U(±1/√fan_in), and biases U(±1/√fan_in).
 *
 * BatchNorm is γ = 1, β = 0 in both. Fans are PyTorch's (computed by the caller from the module):
 * fan_in = in_channels/groups · kh · kw, fan_out = out_channels · kh · kw — for a K×K depthwise
 * conv of C channels fan_in = K·K and fan_out = C·K·K; for a FuSe 1×K conv of C_h channels
 * fan_in = K and fan_out = C_h·K. tfjs's own `varianceScaling` differs from these twice: it reads
 * a depthwise kernel [kh, kw, C, 1] as fan_in kh·kw·C and fan_out kh·kw, and its `'normal'` is a
 * normal truncated at 2σ without rescaling (std 0.88·σ).
 */
import * as tfl from '@tensorflow/tfjs-layers';

/** Which PyTorch initialisation the builder reproduces (see the module comment). */
export type InitScheme = 'reference' | 'pytorch';

export const INIT_SCHEMES: readonly InitScheme[] = ['reference', 'pytorch'];

type Initializer = ReturnType<typeof tfl.initializers.zeros>;

/** PyTorch's fans of one conv or Linear module. */
export interface Fans {
  fanIn: number;
  fanOut: number;
}

function withSeed<T extends object>(seed: number | null | undefined, config: T): T & { seed?: number } {
  return seed === null || seed === undefined ? config : { ...config, seed };
}

function positiveFan(name: string, v: number): number {
  if (!(Number.isInteger(v) && v > 0)) throw new Error(`${name} must be a positive integer, got ${v}`);
  return v;
}

export function assertInitScheme(scheme: unknown): asserts scheme is InitScheme {
  if (!INIT_SCHEMES.includes(scheme as InitScheme)) {
    throw new Error(`init must be one of ${INIT_SCHEMES.join(', ')}, got ${JSON.stringify(scheme)}`);
  }
}

/** `nn.init.kaiming_normal_(w, mode='fan_out')`: an untruncated normal with std √(2 / fan_out). */
export function kaimingFanOut(fanOut: number, seed: number | null | undefined): Initializer {
  positiveFan('kaimingFanOut: fanOut', fanOut);
  return tfl.initializers.randomNormal(withSeed(seed, { mean: 0, stddev: Math.sqrt(2 / fanOut) }));
}

/** U(±1/√fan_in): `kaiming_uniform_(a=√5)` (PyTorch's default conv/Linear weight) and its default bias. */
export function uniformFanIn(fanIn: number, seed: number | null | undefined): Initializer {
  const bound = 1 / Math.sqrt(positiveFan('uniformFanIn: fanIn', fanIn));
  return tfl.initializers.randomUniform(withSeed(seed, { minval: -bound, maxval: bound }));
}

/** A conv weight's initialiser under `scheme`. */
export function convWeightInit(scheme: InitScheme, fans: Fans, seed: number | null | undefined): Initializer {
  return scheme === 'pytorch' ? uniformFanIn(fans.fanIn, seed) : kaimingFanOut(fans.fanOut, seed);
}

/** A Linear weight's initialiser under `scheme` (fan_in = in_features). */
export function linearWeightInit(scheme: InitScheme, inFeatures: number, seed: number | null | undefined): Initializer {
  return scheme === 'pytorch' ? uniformFanIn(inFeatures, seed) : tfl.initializers.randomNormal(withSeed(seed, { mean: 0, stddev: 0.01 }));
}

/** A conv or Linear bias's initialiser under `scheme`. */
export function biasInit(scheme: InitScheme, fanIn: number, seed: number | null | undefined): Initializer {
  return scheme === 'pytorch' ? uniformFanIn(fanIn, seed) : tfl.initializers.zeros();
}
