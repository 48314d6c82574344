/**
 * Looking at a running system from outside, for the fault tests: polling until something holds,
 * a query on a connection of its own (so it works across an outage), a process's children.
 */
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';

/** Polls until `probe` returns a value; errors (a server that is down) count as "not yet". */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A query function on the database at `url`: each query on a connection of its own. */
export function sqlOn(url: string) {
  return async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> => {
    const connection = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    await connection.connect();
    try {
      return (await connection.query<T>(text, values)).rows;
    } finally {
      await connection.end().catch(() => undefined);
    }
  };
}

/** The processes `pid` has started (Linux: /proc), e.g. a worker's training children. */
export function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) => {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      return text ? text.split(' ').map(Number) : [];
    });
  } catch {
    return [];
  }
}

/** The training processes (train/training-child.ts) among `pid`'s children. */
export function trainingChildrenOf(pid: number): number[] {
  return childrenOf(pid).filter((child) => {
    try {
      return readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('training-child');
    } catch {
      return false; // gone meanwhile
    }
  });
}
