/**
 * Real services for the orchestrator's tests: the Temporal CLI dev server and a throwaway
 * PostgreSQL cluster on loopback ports under temp dirs, stopped afterwards.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
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

/** Runs a server binary as the postgres user when root, under `prefix` (e.g. `ip netns exec NAME`). */
function asPostgres(command: string, args: string[], prefix: string[] = []) {
  const argv = isRoot ? [...prefix, 'runuser', '-u', 'postgres', '--', command, ...args] : [...prefix, command, ...args];
  const result = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
}

export interface PostgresOptions {
  /** The address to listen on (default loopback). */
  host?: string;
  /** A command the server runs under, e.g. `ip netns exec NAME` to start it in a network namespace. */
  prefix?: string[];
  /** The port (default: a free loopback port; in a namespace of its own any port is free). */
  port?: number;
}

export async function startPostgres(options: PostgresOptions = {}): Promise<Postgres> {
  const { host = '127.0.0.1', prefix = [] } = options;
  const bindir = execFileSync('bash', [join(REPO_ROOT, 'infra/postgres.sh')], { encoding: 'utf8' }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'fuselab-pg-'));
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = options.port ?? (await freePort());
  asPostgres(join(bindir, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  // initdb lets in loopback clients only; on another address, its /24 (the test's own namespaces) too.
  if (host !== '127.0.0.1') appendFileSync(join(data, 'pg_hba.conf'), `host all all ${host}/24 trust\n`);
  const start = () =>
    asPostgres(
      join(bindir, 'pg_ctl'),
      [
        '-D',
        data,
        '-l',
        join(dir, 'server.log'),
        '-w',
        '-t',
        '60',
        '-o',
        `-p ${port} -k ${dir} -c listen_addresses=${host} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
        'start',
      ],
      prefix,
    );
  start();
  const url = `postgres://postgres@${host}:${port}/postgres`;
  return {
    url,
    port,
    async createDatabase(name: string) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`CREATE DATABASE "${name}"`);
      await client.end();
      return `postgres://postgres@${host}:${port}/${name}`;
    },
    pause: () => asPostgres(join(bindir, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop'], prefix),
    resume: start,
    async stop() {
      try {
        asPostgres(join(bindir, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], prefix);
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
