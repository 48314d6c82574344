// The join a campaign's lanes and a search's evaluations go through (apps/orchestrator
// src/workflows/all-ended.ts), in workflows of its own on the real Temporal dev server with
// activities in this process: a cancelled or failed join settles only once every part has
// stopped, a failure cancels the other parts, and values come back in order. Promise.all, which
// the workflows used before v7, settles with the first part to stop: the first two tests fail
// with it (a training still saving while its campaign read `cancelled`, CI of 329eb60).
import { fileURLToPath } from 'node:url';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../../apps/orchestrator/dist/temporal/client.js';
import type { PartActivities } from './fixtures/all-ended-workflows.js';
import { startTemporal } from './helpers/services.js';

const TASK_QUEUE = 'all-ended-test';
let temporal: Awaited<ReturnType<typeof startTemporal>>;
let client: Awaited<ReturnType<typeof connectClient>>;
let worker: Worker;
let workerRun: Promise<void>;
let running = 0;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const activities: PartActivities = {
  async stopsSlowly(lingerMs) {
    running++;
    try {
      const ctx = Context.current();
      for (;;) {
        ctx.heartbeat();
        // Rejects with the cancellation once it reaches this attempt.
        await ctx.sleep(100);
      }
    } catch (error) {
      await pause(lingerMs);
      throw error;
    } finally {
      running--;
    }
  },
  async fails(afterMs) {
    await pause(afterMs);
    throw ApplicationFailure.nonRetryable('this part failed', 'PartFailed');
  },
  async echo(value, afterMs) {
    await pause(afterMs);
    return value;
  },
  async running() {
    return running;
  },
};

beforeAll(async () => {
  // The SDK's worker logs (state changes, every activity failure) would drown the test's output.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  temporal = await startTemporal();
  client = await connectClient(temporal.address, 'default');
  worker = await Worker.create({
    connection: await NativeConnection.connect({ address: temporal.address }),
    taskQueue: TASK_QUEUE,
    workflowsPath: fileURLToPath(new URL('./fixtures/all-ended-workflows.ts', import.meta.url)),
    activities,
    // As the fuselab workers: a cancellation reaches a heartbeating activity within about a second.
    maxHeartbeatThrottleInterval: '1 second',
    defaultHeartbeatThrottleInterval: '1 second',
  });
  workerRun = worker.run();
}, 180_000);

afterAll(async () => {
  worker?.shutdown();
  await workerRun;
  await client?.close();
  await temporal?.stop();
}, 60_000);

const run = <T>(workflowType: string, args: unknown[] = []) =>
  client.client.workflow.execute(workflowType, { taskQueue: TASK_QUEUE, workflowId: `${workflowType}-${Date.now()}`, args }) as Promise<T>;

describe('allEnded', () => {
  it('a cancelled join settles only once its slowest part has stopped', async () => {
    const outcome = await run<{ cancelled: boolean; runningAfter: number }>('cancelledJoin', [3_000]);
    expect(outcome).toEqual({ cancelled: true, runningAfter: 0 });
  });

  it('a failed part cancels the others, and the join fails with its error once they have stopped', async () => {
    const started = Date.now();
    const outcome = await run<{ error: string; runningAfter: number }>('failedJoin');
    expect(outcome).toEqual({ error: 'this part failed', runningAfter: 0 });
    // Cancelled, not left to its 1-minute timeout.
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('parts that succeed: every value, in the order the parts were started', async () => {
    expect(await run<string[]>('valuesJoin')).toEqual(['a', 'b', 'c']);
  });
});
