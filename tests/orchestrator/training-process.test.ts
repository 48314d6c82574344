// Training in a child process (apps/orchestrator/src/train/training-process.ts), as the train
// activity runs it: the same result as in-process, checkpoints handed over and awaited, failures that
// keep their name and field (the error model goes by them), an abort that stops the child, and a
// crash of the child that ends the run instead of hanging it.
import { afterEach, describe, expect, it } from 'vitest';
import { runTraining } from '../../apps/orchestrator/dist/train/training.js';
import { runTrainingInChild } from '../../apps/orchestrator/dist/train/training-process.js';
import { isInputError } from '../../apps/orchestrator/dist/errors/input-errors.js';
import { childrenOf, waitFor } from './helpers/probes.js';

const request = {
  dataset: 'synthetic',
  network: 'mobilenet_v2',
  variant: 'fuse_half',
  width: 0.25,
  method: 'scratch',
  epochs: 1,
  batch: 32,
  limit: 128,
  seed: 3,
  checkpointEvery: 2,
} as const;

afterEach(async () => {
  // Every path below ends its child: none may outlive the run that started it.
  await waitFor('no training process left', async () => childrenOf(process.pid).length === 0, 10_000);
});

describe('training in a child process', () => {
  it('gives the in-process result bitwise, and trains on only after each checkpoint is saved', async () => {
    const events: string[] = [];
    const result = await runTrainingInChild(request, {
      onProgress: (event) => {
        if (event.type === 'step') events.push(`step ${event.globalStep}`);
      },
      onCheckpoint: async (checkpoint) => {
        events.push(`checkpoint ${checkpoint.globalStep} received`);
        // A slow database: the child must wait for this before its next step.
        await new Promise((r) => setTimeout(r, 300));
        events.push(`checkpoint ${checkpoint.globalStep} saved`);
      },
    });
    const reference = await runTraining(request);
    expect(result.testAccuracy).toBe(reference.testAccuracy);
    expect(result.trainLoss).toBe(reference.trainLoss);
    expect(result.checkpoint.weights).toEqual(reference.checkpoint.weights);
    // Steps 0,1 → checkpoint 2 → steps 2,3 → checkpoint 4 (128 images, batch 32: 4 steps).
    expect(events).toEqual([
      'step 0',
      'step 1',
      'checkpoint 2 received',
      'checkpoint 2 saved',
      'step 2',
      'step 3',
      'checkpoint 4 received',
      'checkpoint 4 saved',
    ]);
  }, 120_000);

  it('a failed save stops the run with the parent’s own error', async () => {
    const lost = new Error('connection to the database lost');
    await expect(
      runTrainingInChild(request, {
        onCheckpoint: () => Promise.reject(lost),
      }),
    ).rejects.toBe(lost);
  }, 60_000);

  it('an input error in the child keeps its name and field, so it is not retried', async () => {
    const error = await runTrainingInChild({ ...request, dataset: 'fashion-mnist', dataDir: '/nonexistent/fashion' }).catch(
      (e: unknown) => e as Error & { field?: string },
    );
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('DatasetFileError');
    expect(error.field).toContain('/nonexistent/fashion');
    expect(isInputError(error)).toBe(true);
  }, 60_000);

  it('an abort stops the child between steps with an AbortError', async () => {
    const controller = new AbortController();
    let steps = 0;
    const error = await runTrainingInChild(
      { ...request, epochs: 50 },
      {
        signal: controller.signal,
        onProgress: (event) => {
          if (event.type === 'step' && ++steps === 2) controller.abort();
        },
      },
    ).catch((e: unknown) => e as Error);
    expect(error.name).toBe('AbortError');
    expect(steps).toBeLessThan(10);
  }, 60_000);

  it('a child that dies ends the run with an error saying so', async () => {
    let pids: number[] = [];
    const error = await runTrainingInChild(
      { ...request, epochs: 50 },
      {
        onProgress: (event) => {
          // Kill the child as an out-of-memory killer or a wasm abort would.
          if (event.type === 'step' && event.globalStep === 1) {
            pids = childrenOf(process.pid);
            for (const pid of pids) process.kill(pid, 'SIGKILL');
          }
        },
      },
    ).catch((e: unknown) => e as Error);
    expect(pids).toHaveLength(1);
    expect(error.message).toMatch(/^the training process ended without a result \(signal SIGKILL\)/);
    expect(isInputError(error)).toBe(false);
  }, 60_000);

  it('a child that dies while its checkpoint is being saved ends the run only once the save is over', async () => {
    // Whoever learns that the run ended (a cancelled workflow) relies on nothing more being stored.
    const events: string[] = [];
    const error = await runTrainingInChild(
      { ...request, epochs: 50 },
      {
        onCheckpoint: async () => {
          for (const pid of childrenOf(process.pid)) process.kill(pid, 'SIGKILL');
          await new Promise((r) => setTimeout(r, 500));
          events.push('saved');
        },
      },
    ).catch((e: unknown) => e as Error);
    events.push('ended');
    expect(error.message).toMatch(/^the training process ended without a result/);
    expect(events).toEqual(['saved', 'ended']);
  }, 60_000);
});
