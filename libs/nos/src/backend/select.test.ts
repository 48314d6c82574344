import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';

import { selectBackend } from './index.js';

const missing = (): Promise<unknown> => Promise.reject(new Error("Cannot find package '@tensorflow/tfjs-node'"));

describe('selectBackend', () => {
  it('auto falls back to wasm when tfjs-node is not installed, and says why', async () => {
    const s = await selectBackend('auto', { importTfjsNode: missing });
    expect(s.name).toBe('wasm');
    expect(s.tfBackend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(s.threads).toBeGreaterThanOrEqual(1);
    expect(s.reason).toMatch(/tfjs-node is not installed/);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('auto skips a tfjs-node that registers no backend with this tfjs-core', async () => {
    const s = await selectBackend('auto', { importTfjsNode: () => Promise.resolve({}) });
    expect(s.name).toBe('wasm');
    expect(s.reason).toMatch(/no 'tensorflow' backend/);
  });

  it('an explicit tfjs-node request fails loudly when it is unavailable', async () => {
    await expect(selectBackend('tfjs-node', { importTfjsNode: missing })).rejects.toThrow(/tfjs-node' unavailable/);
  });

  it('cpu on request', async () => {
    const s = await selectBackend('cpu');
    expect(s).toMatchObject({ name: 'cpu', tfBackend: 'cpu' });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('the default loader reports the real state of this machine', async () => {
    let installed = true;
    try {
      await import(/* @vite-ignore */ '@tensorflow/tfjs-node' as string);
    } catch {
      installed = false;
    }
    const s = await selectBackend();
    expect(s.name).toBe(installed ? 'tfjs-node' : 'wasm');
  }, 30_000);
});
