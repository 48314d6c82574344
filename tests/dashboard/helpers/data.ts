/**
 * The small real campaign the dashboard tests look at: a few simulations, a tiny synthetic
 * training (scratch on two seeds, NOS taught by it) and a tiny three-objective search — seconds each.
 */
export const DATA_SPEC = {
  name: 'e2e-data',
  seed: 1,
  simulations: {
    networks: ['mobilenet_v2'],
    variants: ['baseline', 'fuse_half', 'fuse_full'],
    arrays: [8, 16, 32, 64, '16x64'],
    models: ['reference'],
  },
  trainings: [
    {
      name: 'base',
      dataset: 'synthetic',
      network: 'mobilenet_v2',
      variants: ['baseline'],
      width: 0.25,
      epochs: 1,
      limit: 96,
      batch: 32,
      seeds: [1, 2],
    },
    {
      name: 'nos',
      dataset: 'synthetic',
      network: 'mobilenet_v2',
      variants: ['fuse_half'],
      width: 0.25,
      method: 'nos',
      teacher: 'base',
      epochs: 1,
      limit: 96,
      batch: 32,
      seeds: [1],
    },
  ],
  searches: [
    {
      name: 'v2-stages',
      network: 'mobilenet_v2',
      space: 'stages',
      strategy: 'nsga2',
      objectives: ['latency', 'params', 'macs'],
      budget: 16,
      population: 8,
    },
  ],
};

/** A campaign that fails: CIFAR-10 from a directory that does not exist (a non-retryable dataset error). */
export const FAILING_SPEC = {
  name: 'e2e-fails',
  trainings: [
    {
      name: 'broken',
      dataset: 'cifar10',
      dataDir: '/nonexistent/cifar10',
      network: 'mobilenet_v2',
      variants: ['baseline'],
      width: 0.25,
      epochs: 1,
      limit: 64,
    },
  ],
};

/**
 * Typed into the UI: simulations that finish quickly (progress moves) and a training long enough
 * to be cancelled while it runs (per-step progress shows; real Fashion-MNIST, since tiny synthetic
 * runs of many steps diverge at the fixed learning rate and then report no finite loss).
 */
export const LIVE_SPEC_YAML = `name: e2e-live
seed: 2
simulations: {networks: [mobilenet_v1], variants: all, arrays: [8, 16, 32, 64], models: [reference]}
trainings:
  - {name: long, dataset: fashion-mnist, network: mobilenet_v2, variants: [baseline], width: 0.25, epochs: 100, limit: 512, batch: 64}
`;

/** A name no campaign spec accepts but an imported document can carry: it must show as text. */
export const HOSTILE_NAME = '<img src=x onerror=alert(1)>';
