import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildNetwork } from '../build.js';
import { modelStats } from '../counting.js';
import { NETWORKS } from '../networks/index.js';
import { VARIANTS } from '../variants.js';
import { buildModel, countTrainableParams } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('param parity', () => {
  for (const network of NETWORKS) {
    for (const variant of VARIANTS) {
      it(`${network} ${variant}`, () => {
        const spec = buildNetwork({ network, variant, inputSize: 32, numClasses: 10 });
        const { model } = buildModel(spec);
        const stats = modelStats(spec);
        expect(countTrainableParams(model)).toBe(stats.params - stats.unusedParams);
        model.dispose();
      });
    }
  }
});
