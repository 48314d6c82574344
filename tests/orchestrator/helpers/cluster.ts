/**
 * A loopback "cluster" for the distributed test and the benchmark: the Temporal dev server, a
 * PostgreSQL server, and N `fuselab worker` processes (separate OS processes, as on separate
 * machines) on the same task queue.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './services.js';

export interface WorkerProcess {
  identity: string;
  child: ChildProcess;
  /** Everything the process wrote on stderr so far (its logs). */
  log(): string;
  stop(): Promise<void>;
}

export async function startWorkerProcess(
  identity: string,
  env: { TEMPORAL_ADDRESS: string; DATABASE_URL: string },
  concurrency = 4,
  queues = 'sim',
  /** A command the worker runs under, e.g. `ip netns exec NAME` to put it in a network namespace. */
  prefix: string[] = [],
): Promise<WorkerProcess> {
  const child = spawn(
    prefix[0] ?? process.execPath,
    [
      ...(prefix.length ? [...prefix.slice(1), process.execPath] : []),
      join(REPO_ROOT, 'apps/orchestrator/bin/fuselab.js'),
      'worker',
      '--queues',
      queues,
      '--identity',
      identity,
      '--concurrency',
      String(concurrency),
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env, FUSELAB_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker ${identity} did not start: ${stderr}`)), 60_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('polling')) {
        clearTimeout(timer);
        resolveReady();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker ${identity} exited with ${code}: ${stderr}`));
    });
  });
  child.removeAllListeners('exit');
  return {
    identity,
    child,
    log: () => stderr,
    stop: () =>
      new Promise<void>((resolveStop) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolveStop(); // already gone (a signal leaves exitCode null)
        child.once('exit', () => resolveStop());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
      }),
  };
}
