/**
 * Entry point of the training child process (training-process.ts forks it): receives one request,
 * runs `runTraining` (or a supernet task, supernet-run.ts), sends progress and checkpoints (waiting for each checkpoint to be saved) and
 * the result, then waits for the parent to end it (so the parent reads every message before it sees
 * an exit, and an exit it did not cause means a crash). When the parent goes away (a killed worker)
 * the IPC channel closes and the child exits too: no training goes on for a worker that is gone.
 */
import { runSupernetTask } from './supernet-run.js';
import { runTraining } from './training.js';
import { reviveError, serializeError, type FromChild, type ToChild } from './training-process.js';

const send = (message: FromChild): Promise<void> =>
  new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send!(message, undefined, {}, () => resolve());
  });

const controller = new AbortController();
const pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
let nextCheckpoint = 0;

process.on('disconnect', () => process.exit(1));
process.on('message', (message: ToChild) => {
  switch (message.type) {
    case 'start':
      void run(message.options);
      break;
    case 'start-supernet':
      void runSupernet(message.task);
      break;
    case 'checkpoint-saved':
      pending.get(message.id)?.resolve();
      pending.delete(message.id);
      break;
    case 'checkpoint-failed':
      pending.get(message.id)?.reject(reviveError(message.error));
      pending.delete(message.id);
      break;
    case 'abort':
      controller.abort(new DOMException('training aborted', 'AbortError'));
      break;
  }
});

async function run(options: Extract<ToChild, { type: 'start' }>['options']): Promise<void> {
  try {
    const result = await runTraining(options, {
      signal: controller.signal,
      onProgress: (event) => void send({ type: 'progress', event }),
      onDataProgress: (done, total) => void send({ type: 'data-progress', done, total }),
      onCheckpoint: (checkpoint) =>
        new Promise<void>((resolve, reject) => {
          const id = nextCheckpoint++;
          pending.set(id, { resolve, reject });
          void send({ type: 'checkpoint', id, checkpoint });
        }),
    });
    await send({ type: 'done', result });
  } catch (error) {
    await send({ type: 'failed', error: serializeError(error) });
  }
}

async function runSupernet(task: Extract<ToChild, { type: 'start-supernet' }>['task']): Promise<void> {
  try {
    const result = await runSupernetTask(task, {
      signal: controller.signal,
      onEvent: (event) => void send({ type: 'supernet-event', event }),
    });
    await send({ type: 'supernet-done', result });
  } catch (error) {
    await send({ type: 'failed', error: serializeError(error) });
  }
}
