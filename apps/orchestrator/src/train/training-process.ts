/**
 * A training job in a child process (`training-child.ts`), with the callbacks of `runTraining`.
 *
 * Why a process: training runs synchronous wasm kernels for tens of milliseconds between awaits,
 * for minutes. In the process of `fuselab up` or `fuselab worker` that starves everything else on the
 * event loop — the API and its event stream, the workflow worker (Temporal reported TMPRL1104, "slow
 * workflow task"), heartbeats and the cancellation that rides on them — so a cancelled campaign
 * could stay `running` for minutes and the dashboard stopped answering. A child process also
 * contains what a worker thread would not: a wasm abort or an out-of-memory kills the child, not
 * the worker and its other jobs (the attempt fails and is retried), and native backends such as
 * tfjs-node need not be safe in threads. Its cost, ~0.3 s to start and load tfjs, is nothing beside
 * a training.
 *
 * The child owns the data set and the model; the parent keeps the database: every checkpoint crosses
 * over and is saved (the callback awaited) before the child trains on, exactly as in-process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { Checkpoint, TrainProgress, TrainResult } from '@fuselab/nos';
import type { SupernetTask, SupernetTaskEvent, SupernetTaskResult } from './supernet-run.js';
import { InjectedFault, type RunTrainingCallbacks, type RunTrainingOptions } from './training.js';

/** What the child receives: the request without preloaded data (the child loads its own). */
export type ChildTrainingOptions = Omit<RunTrainingOptions, 'data'>;

/** An error as it crosses the process boundary: what the error model matches on (name, field, problem). */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  field?: string;
  problem?: string;
}

export type FromChild =
  | { type: 'progress'; event: TrainProgress }
  | { type: 'data-progress'; done: number; total: number }
  | { type: 'checkpoint'; id: number; checkpoint: Checkpoint }
  | { type: 'done'; result: TrainResult }
  | { type: 'supernet-event'; event: SupernetTaskEvent }
  | { type: 'supernet-done'; result: SupernetTaskResult }
  | { type: 'failed'; error: SerializedError };

export type ToChild =
  | { type: 'start'; options: ChildTrainingOptions }
  | { type: 'start-supernet'; task: SupernetTask }
  | { type: 'checkpoint-saved'; id: number }
  | { type: 'checkpoint-failed'; id: number; error: SerializedError }
  | { type: 'abort' };

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const { field, problem } = error as Error & { field?: unknown; problem?: unknown };
  return {
    name: error.name,
    message: error.message,
    ...(error.stack ? { stack: error.stack } : {}),
    ...(typeof field === 'string' ? { field } : {}),
    ...(typeof problem === 'string' ? { problem } : {}),
  };
}

/**
 * The error the child reported, as the parent throws it. The error model (errors/input-errors.ts)
 * goes by name, so name, field and problem are kept; the two the parent tells apart by class come
 * back as themselves.
 */
export function reviveError(error: SerializedError): Error {
  if (error.name === 'AbortError') return new DOMException(error.message, 'AbortError');
  const revived = error.name === 'InjectedFault' ? new InjectedFault(error.message) : new Error(error.message);
  revived.name = error.name;
  if (error.stack) revived.stack = error.stack;
  if (error.field !== undefined) Object.assign(revived, { field: error.field, problem: error.problem });
  return revived;
}

/** How long a child may take to stop after an abort before it is killed (it checks between steps). */
const ABORT_GRACE_MS = 15_000;

/**
 * Forks the child, sends `start`, and hands every message to `handle` until one settles the run
 * (`done` / `failed`, or the child exiting without a word). Shared by trainings and supernet tasks.
 */
function forkChild<T>(
  start: ToChild,
  signal: AbortSignal | undefined,
  handle: (message: FromChild, child: { send: (message: ToChild) => void; keepError: (error: unknown) => void }) => void,
  doneOf: (message: FromChild) => T | undefined,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // The child writes nothing to stdout on purpose; whatever tfjs prints goes to our stderr, so a
    // command's stdout (contract JSON) stays clean.
    const child: ChildProcess = fork(new URL('./training-child.js', import.meta.url), [], {
      serialization: 'advanced',
      stdio: ['ignore', 2, 2, 'ipc'],
    });
    let settled = false;
    // A failure of ours (saving a checkpoint) is thrown as itself, not as the child's copy of it.
    let parentError: unknown;
    let killTimer: NodeJS.Timeout | undefined;

    const send = (message: ToChild) => {
      if (child.connected) child.send(message);
    };
    const finish = (outcome: { result: T } | { error: unknown }) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if ('result' in outcome) resolve(outcome.result);
      else reject(outcome.error);
    };
    const onAbort = () => {
      send({ type: 'abort' });
      killTimer = setTimeout(() => finish({ error: new DOMException('training aborted', 'AbortError') }), ABORT_GRACE_MS);
    };

    child.on('message', (message: FromChild) => {
      if (message.type === 'failed') return finish({ error: parentError ?? reviveError(message.error) });
      const result = doneOf(message);
      if (result !== undefined) return finish({ result });
      handle(message, { send, keepError: (error) => (parentError = error) });
    });
    child.on('error', (error) => finish({ error }));
    child.on('exit', (code, killedBy) => {
      // Exiting without a word: a crash (wasm abort, out of memory). Retryable: not an input error.
      finish({
        error: new Error(`the training process ended without a result (${killedBy ? `signal ${killedBy}` : `exit code ${code}`})`),
      });
    });

    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    send(start);
  });
}

/** `runTraining` in a child process: same options (but `data`), callbacks, result and errors. */
export function runTrainingInChild(options: ChildTrainingOptions, callbacks: RunTrainingCallbacks = {}): Promise<TrainResult> {
  // The checkpoint being saved. The run settles only after it: an abort can end the child while
  // the parent still writes, and whoever hears that the run stopped (a cancelled workflow) must be
  // able to rely on nothing more being written for it.
  let saving: Promise<unknown> = Promise.resolve();
  const afterSaving = <T>(settle: () => T) => saving.then(settle, settle);
  return forkChild<TrainResult>(
    { type: 'start', options },
    callbacks.signal,
    (message, child) => {
      switch (message.type) {
        case 'progress':
          callbacks.onProgress?.(message.event);
          break;
        case 'data-progress':
          callbacks.onDataProgress?.(message.done, message.total);
          break;
        case 'checkpoint':
          saving = Promise.resolve(callbacks.onCheckpoint?.(message.checkpoint)).then(
            () => child.send({ type: 'checkpoint-saved', id: message.id }),
            (error: unknown) => {
              child.keepError(error);
              child.send({ type: 'checkpoint-failed', id: message.id, error: serializeError(error) });
            },
          );
          break;
      }
    },
    (message) => (message.type === 'done' ? message.result : undefined),
  ).then(
    (result) => afterSaving(() => result),
    (error: unknown) =>
      afterSaving(() => {
        throw error;
      }),
  );
}

/** A supernet task (supernet-run.ts) in a child process, for the search activities. */
export function runSupernetTaskInChild(
  task: SupernetTask,
  callbacks: { signal?: AbortSignal; onEvent?: (event: SupernetTaskEvent) => void } = {},
): Promise<SupernetTaskResult> {
  return forkChild<SupernetTaskResult>(
    { type: 'start-supernet', task },
    callbacks.signal,
    (message) => {
      if (message.type === 'supernet-event') callbacks.onEvent?.(message.event);
    },
    (message) => (message.type === 'supernet-done' ? message.result : undefined),
  );
}
