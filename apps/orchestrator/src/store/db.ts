/**
 * Opening the database: PGlite on disk (embedded default, `.fuselab/db`) or in memory (tests), or
 * PostgreSQL from a postgres:// URL (distributed). Migrations from drizzle/ are applied on open;
 * on PostgreSQL under an advisory lock, so several workers starting at once migrate once.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import * as schema from './schema.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** The database could not be reached or opened: the CLI prints one line and exits 2. */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Where it lives, without credentials. */
  location: string;
  close(): Promise<void>;
}

export type DatabaseTarget = { kind: 'pglite'; dir?: string } | { kind: 'postgres'; url: string; poolSize?: number };

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.kind === 'pglite') {
    if (target.dir) mkdirSync(target.dir, { recursive: true });
    let client: PGlite;
    try {
      client = target.dir ? await PGlite.create(target.dir) : await PGlite.create();
    } catch (error) {
      throw new DatabaseUnavailableError(
        `cannot open the embedded database (PGlite) at ${target.dir ?? 'memory'}: ${(error as Error).message}`,
      );
    }
    const db = drizzlePglite(client, { schema }) as unknown as Db;
    await migratePglite(db as never, { migrationsFolder: MIGRATIONS_FOLDER });
    return { db, kind: 'pglite', location: target.dir ?? 'memory', close: () => client.close() };
  }
  // A process that trains runs its event loop only between optimizer steps, and a new connection
  // needs about three turns of it (connect, start-up, query). On the loaded 2-core machine a step
  // took 1.5–3 s, so a 5 s connect timeout failed every query of a training `fuselab up`'s API
  // once pg had closed its idle clients (default after 10 s). Measured with 3 s blocks between turns: 5 s → "Connection terminated due
  // to connection timeout", 30 s → connected in 9 s. Idle clients are now kept 5 minutes and a
  // connect may take 30 s; an unreachable server still fails at once (connection refused).
  const pool = new pg.Pool({
    connectionString: target.url,
    max: target.poolSize ?? 8,
    connectionTimeoutMillis: 30_000,
    idleTimeoutMillis: 300_000,
  });
  pool.on('error', () => {
    /* idle client errors surface on the next query */
  });
  // A client that is checked out but between queries (e.g. inside a transaction while JS runs)
  // emits 'error' itself when the server goes away ("terminating connection due to administrator
  // command"); unheard, that event kills the worker process. Listened to, the error surfaces on
  // the client's next query, the activity fails and Temporal retries it once PostgreSQL is back
  // (tests/reliability/faults.test.ts stops PostgreSQL in the middle of a sweep).
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  let lockClient: pg.PoolClient;
  try {
    lockClient = await pool.connect();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new DatabaseUnavailableError(
      `cannot connect to PostgreSQL at ${redact(target.url)} (DATABASE_URL): ${(error as Error).message || String(error)}`,
    );
  }
  try {
    await lockClient.query('SELECT pg_advisory_lock(727274)');
    await migratePg(drizzlePg(lockClient, { schema }), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await lockClient.query('SELECT pg_advisory_unlock(727274)').catch(() => undefined);
    lockClient.release();
  }
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  return { db, kind: 'postgres', location: redact(target.url), close: () => pool.end() };
}
