import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const bin = fileURLToPath(new URL('../../apps/orchestrator/bin/fuselab.js', import.meta.url));

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `fuselab` CLI as a user would (from the repository root). */
export function runCli(args: string[]): CliRun {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, FUSELAB_LOG_LEVEL: 'warn' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the CLI expecting success and one JSON document on stdout. */
export function runJson<T = unknown>(args: string[]): T {
  const run = runCli([...args, '--json']);
  if (run.status !== 0) throw new Error(`fuselab ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}
