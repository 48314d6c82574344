/**
 * Workers: one per task queue in this process. The `fuselab-campaigns` worker runs the campaign
 * workflows and their bookkeeping activities; `fuselab-sim` and `fuselab-train` run the jobs;
 * `fuselab-nas` runs search workflows and their evaluation activities. Any number of processes on any number of machines may run them.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { TASK_QUEUES } from '../campaigns/expand.js';
import type { JobKind } from '../choices.js';
import { createCampaignActivities, createSimActivities } from '../activities/index.js';
import type { Store } from '../store/store.js';
import { createTrainActivities, type TrainActivityOptions } from '../activities/train.js';
import { createSearchActivities } from '../activities/search.js';
import { TemporalUnavailableError } from '../embedded/dev-server.js';

/** A worker polls the task queue of each job kind it is given (and the campaigns queue). */
export type QueueName = JobKind;

const here = import.meta.url;
const sourceExt = here.endsWith('.ts') ? '.ts' : '.js';
/** The workflow entry point the bundler starts from. */
export const WORKFLOWS_PATH = fileURLToPath(new URL(`../workflows/index${sourceExt}`, here));
/** The pre-built bundle (`npm run build` writes it); bundling at start is the fallback. */
export const WORKFLOW_BUNDLE_PATH = fileURLToPath(new URL('../workflow-bundle.js', here));

/**
 * The search workflow runs libs/nas' strategies (pure, seeded JS) in workflow code. libs/nas'
 * entry point reaches tfjs only through `evaluateCandidate`'s dynamic import of synflow, which
 * runs in activities, never in a workflow; these modules are stubbed out of the bundle (a stub
 * throws if ever called, so a workflow that touched tfjs would fail loudly, not silently differ).
 */
export const WORKFLOW_BUNDLER_OPTIONS: NonNullable<WorkerOptions['bundlerOptions']> = {
  ignoreModules: [
    '@tensorflow/tfjs-core',
    '@tensorflow/tfjs-backend-cpu',
    '@tensorflow/tfjs-layers',
    '@tensorflow/tfjs-backend-wasm',
    '@tensorflow/tfjs-node',
    '@fuselab/fuseconv/tfjs',
  ],
  // That dynamic import would otherwise become a separate chunk, which the workflow sandbox
  // cannot load (webpack's chunk loader needs a public path); eager keeps it in the one bundle.
  webpackConfigHook: (config) => ({
    ...config,
    module: {
      ...config.module,
      parser: { ...config.module?.parser, javascript: { ...config.module?.parser?.javascript, dynamicImportMode: 'eager' } },
    },
  }),
};

let runtimeInstalled = false;
/** The SDK core's (native) log filter for a pino level: as verbose as the logger, at least WARN. */
const CORE_LOG_LEVELS: Record<string, 'TRACE' | 'DEBUG' | 'INFO' | 'WARN'> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO' };

/**
 * Routes the SDK's own logs through pino (stderr), once per process — the native core's too: left
 * to itself the core prints its warnings ("Activity not found on completion", a loaded machine's
 * usual races) to stdout, where `--json` promises one JSON document and nothing else.
 */
export function installRuntime(logger: Logger): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const child = logger.child({ component: 'temporal' });
  const core = CORE_LOG_LEVELS[logger.level] ?? 'WARN';
  try {
    Runtime.install({
      telemetryOptions: { logging: { filter: { core, other: core === 'WARN' ? 'ERROR' : core }, forward: {} } },
      logger: {
        log: (level, message, meta) =>
          child[
            level === 'TRACE'
              ? 'trace'
              : level === 'DEBUG' || message.startsWith('No workflows registered')
                ? 'debug'
                : level === 'INFO'
                  ? 'info'
                  : level === 'WARN'
                    ? 'warn'
                    : 'error'
          ](meta ?? {}, message),
        trace: (message, meta) => child.trace(meta ?? {}, message),
        debug: (message, meta) => child.debug(meta ?? {}, message),
        info: (message, meta) => child.info(meta ?? {}, message),
        // Activity-only workers say so at warn level on every start; that is how they are meant to be.
        warn: (message, meta) =>
          message.startsWith('No workflows registered') ? child.debug(meta ?? {}, message) : child.warn(meta ?? {}, message),
        error: (message, meta) => child.error(meta ?? {}, message),
      },
    });
  } catch {
    /* already installed by someone else in this process */
  }
}

export function workflowSource(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions'> {
  if (sourceExt === '.js' && existsSync(WORKFLOW_BUNDLE_PATH)) return { workflowBundle: { codePath: WORKFLOW_BUNDLE_PATH } };
  return { workflowsPath: WORKFLOWS_PATH, bundlerOptions: WORKFLOW_BUNDLER_OPTIONS };
}

export interface WorkerSetOptions {
  address: string;
  namespace: string;
  store: Store;
  queues: readonly QueueName[];
  /** Activities each queue runs at once in this process. */
  concurrency: number;
  logger: Logger;
  identity?: string;
  /** Training activities at once in this process (default 1: a training uses the whole CPU). */
  trainConcurrency?: number;
  train?: TrainActivityOptions;
}

export interface WorkerSet {
  identity: string;
  queues: string[];
  /** Resolves when every worker has stopped. */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

export async function connectWorker(address: string): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect({ address });
  } catch (error) {
    throw new TemporalUnavailableError(`cannot reach Temporal at ${address}: ${(error as Error).message.split('\n')[0]}`);
  }
}

export async function startWorkers(options: WorkerSetOptions): Promise<WorkerSet> {
  installRuntime(options.logger);
  const identity = options.identity ?? `${hostname()}:${process.pid}`;
  const connection = await connectWorker(options.address);
  // Heartbeats reach the server at most once a second (the SDK's default throttle is 80 % of the
  // heartbeat timeout, 24 s): a cancelled training learns of it, and stops writing,
  // within about a second instead of up to a minute (tests/reliability/faults.test.ts).
  const common = {
    connection,
    namespace: options.namespace,
    identity,
    maxHeartbeatThrottleInterval: '1 second',
    defaultHeartbeatThrottleInterval: '1 second',
  } as const;
  const workers: Worker[] = [];
  workers.push(
    await Worker.create({
      ...common,
      taskQueue: TASK_QUEUES.campaign,
      ...workflowSource(),
      activities: createCampaignActivities(options.store),
      maxConcurrentActivityTaskExecutions: 8,
    }),
  );
  for (const queue of options.queues) {
    if (queue === 'sim') {
      workers.push(
        await Worker.create({
          ...common,
          taskQueue: TASK_QUEUES.sim,
          activities: createSimActivities(options.store, identity),
          maxConcurrentActivityTaskExecutions: options.concurrency,
        }),
      );
    } else if (queue === 'train') {
      workers.push(
        await Worker.create({
          ...common,
          taskQueue: TASK_QUEUES.train,
          activities: createTrainActivities(options.store, identity, options.train),
          maxConcurrentActivityTaskExecutions: options.trainConcurrency ?? 1,
        }),
      );
    } else {
      // Search workflows (ask/tell in workflow code) and their evaluation/SQL activities.
      workers.push(
        await Worker.create({
          ...common,
          taskQueue: TASK_QUEUES.nas,
          ...workflowSource(),
          activities: createSearchActivities(options.store, identity),
          maxConcurrentActivityTaskExecutions: options.concurrency,
        }),
      );
    }
  }
  const runs = workers.map((worker) => worker.run());
  const done = Promise.all(runs).then(
    async () => {
      await connection.close();
    },
    async (error: unknown) => {
      await connection.close().catch(() => undefined);
      throw error;
    },
  );
  options.logger.info({ identity, queues: workers.map((w) => w.options.taskQueue) }, 'workers running');
  return {
    identity,
    queues: workers.map((worker) => worker.options.taskQueue),
    done,
    async shutdown() {
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await done.catch(() => undefined);
    },
  };
}
