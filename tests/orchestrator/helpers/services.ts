/**
 * Real services for the orchestrator's tests: the Temporal CLI dev server and a throwaway
 * PostgreSQL cluster on loopback ports under temp dirs, stopped afterwards.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, startDevServer, REPO_ROOT, type DevServer } from '../../../apps/orchestrator/dist/embedded/dev-server.js';

export { REPO_ROOT };

export async function startTemporal(): Promise<DevServer & { dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'fuselab-temporal-'));
  const server = await startDevServer({ dbFile: join(dir, 'dev.sqlite'), port: await freePort() });
  return {
    ...server,
    dir,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Postgres {
  url: string;
  port: number;
  /** A fresh database on the cluster. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (fast shutdown: clients are disconnected), keeping its data. */
  pause(): void;
  /** Starts the paused server again on the same port and data. */
  resume(): void;
  stop(): Promise<void>;
}

const isRoot = process.getuid?.() === 0;

function asPostgres(command: string, args: string[]) {
  const result = isRoot
    ? spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { encoding: 'utf8' })
    : spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
}

export async function startPostgres(): Promise<Postgres> {
  const bindir = execFileSync('bash', [join(REPO_ROOT, 'infra/postgres.sh')], { encoding: 'utf8' }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'fuselab-pg-'));
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  asPostgres(join(bindir, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const start = () =>
    asPostgres(join(bindir, 'pg_ctl'), [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
      'start',
    ]);
  start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    async createDatabase(name: string) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`CREATE DATABASE "${name}"`);
      await client.end();
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    pause: () => asPostgres(join(bindir, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']),
    resume: start,
    async stop() {
      try {
        asPostgres(join(bindir, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export const silentLogger = async () => {
  const { pino } = await import('pino');
  return pino({ level: process.env.FUSELAB_TEST_LOG_LEVEL ?? 'error' }, pino.destination(2));
};
