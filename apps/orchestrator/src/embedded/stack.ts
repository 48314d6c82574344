/**
 * The stack a command needs. Embedded (no TEMPORAL_ADDRESS): the Temporal CLI dev server with its
 * SQLite file under .fuselab/temporal/, PGlite under .fuselab/db (or PostgreSQL if DATABASE_URL
 * is set), workers in-process, and the API. Distributed: TEMPORAL_ADDRESS and DATABASE_URL point
 * to external services and workers run elsewhere (`fuselab worker`).
 *
 * A running stack writes .fuselab/stack.json; other commands then go through its API (PGlite is a
 * single-process database), so `fuselab campaign run` uses a running `fuselab up`.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { HttpCampaignService } from '../api/client.js';
import { startApi, type RunningApi } from '../api/server.js';
import { LocalCampaignService, type CampaignService } from '../campaigns/service.js';
import type { FuselabEnv } from '../env/env.js';
import { openDatabase, type Database } from '../store/db.js';
import { Store } from '../store/store.js';
import { connectClient } from '../temporal/client.js';
import { startWorkers, type QueueName, type WorkerSet } from '../temporal/worker.js';
import { startDevServer, type DevServer } from './dev-server.js';
import { JOB_KINDS } from '../choices.js';

export interface StackInfo {
  pid: number;
  apiUrl: string;
  temporalAddress: string;
  database: string;
  startedAt: string;
}

const stackFile = (env: FuselabEnv) => join(env.home, 'stack.json');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The stack another process runs for this .fuselab home, if it answers. */
export async function findRunningStack(env: FuselabEnv): Promise<StackInfo | undefined> {
  const file = stackFile(env);
  if (!existsSync(file)) return undefined;
  let info: StackInfo;
  try {
    info = JSON.parse(readFileSync(file, 'utf8')) as StackInfo;
  } catch {
    return undefined;
  }
  if (info.pid === process.pid || !alive(info.pid)) return undefined;
  try {
    const response = await fetch(`${info.apiUrl}/api/health`, { signal: AbortSignal.timeout(3000) });
    if (response.ok) return info;
  } catch {
    /* not answering */
  }
  return undefined;
}

export interface Stack {
  service: LocalCampaignService;
  store: Store;
  database: Database;
  temporalAddress: string;
  client: () => Promise<Client>;
  workers?: WorkerSet;
  api?: RunningApi;
  devServer?: DevServer;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Start in-process workers (embedded mode). */
  workers?: boolean;
  queues?: readonly QueueName[];
  /** Serve the API; port 0 picks a free one. */
  api?: { host: string; port: number } | false;
  /** Start the Temporal dev server only when a command needs Temporal (read-only commands don't). */
  lazyTemporal?: boolean;
}

export async function startStack(env: FuselabEnv, logger: Logger, options: StackOptions = {}): Promise<Stack> {
  const cleanups: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((error: unknown) => logger.warn({ err: error }, 'shutdown step failed'));
    cleanups.length = 0;
  };
  try {
    mkdirSync(env.home, { recursive: true });
    const database = await openDatabase(
      env.databaseUrl ? { kind: 'postgres', url: env.databaseUrl } : { kind: 'pglite', dir: join(env.home, 'db') },
    );
    cleanups.push(() => database.close());
    const store = new Store(database.db);

    let devServer: DevServer | undefined;
    let temporalAddress = env.temporalAddress ?? '';
    let clientPromise: Promise<{ client: Client; close(): Promise<void> }> | undefined;
    const ensureTemporal = async (): Promise<string> => {
      if (temporalAddress) return temporalAddress;
      devServer = await startDevServer({
        ...(env.temporalCli ? { cli: env.temporalCli } : {}),
        dbFile: join(env.home, 'temporal', 'dev.sqlite'),
        ...(env.temporalPort !== undefined ? { port: env.temporalPort } : {}),
      });
      temporalAddress = devServer.address;
      logger.info({ address: temporalAddress }, 'Temporal dev server started');
      const server = devServer;
      cleanups.unshift(() => server.stop()); // stopped last
      return temporalAddress;
    };
    const client = async () => {
      clientPromise ??= ensureTemporal().then(async (address) => {
        const connected = await connectClient(address, env.temporalNamespace);
        cleanups.push(() => connected.close());
        return connected;
      });
      try {
        return (await clientPromise).client;
      } catch (error) {
        clientPromise = undefined;
        throw error;
      }
    };
    if (!options.lazyTemporal) await client();

    const service = new LocalCampaignService(store, client, { dataRoots: env.dataRoots });
    let workers: WorkerSet | undefined;
    if (options.workers) {
      workers = await startWorkers({
        address: await ensureTemporal(),
        namespace: env.temporalNamespace,
        store,
        queues: options.queues ?? JOB_KINDS,
        concurrency: env.workerConcurrency,
        trainConcurrency: env.trainConcurrency,
        logger,
        train: { dataRoots: env.dataRoots },
      });
      const running = workers;
      cleanups.push(() => running.shutdown());
    }
    let api: RunningApi | undefined;
    if (options.api) {
      api = await startApi({
        service,
        logger,
        host: options.api.host,
        port: options.api.port,
        ...(env.apiToken ? { token: env.apiToken } : {}),
      });
      const server = api;
      cleanups.push(() => server.close());
      const info: StackInfo = {
        pid: process.pid,
        apiUrl: api.url,
        temporalAddress,
        database: database.location,
        startedAt: new Date().toISOString(),
      };
      writeFileSync(stackFile(env), `${JSON.stringify(info, null, 2)}\n`);
      cleanups.push(async () => {
        try {
          const current = JSON.parse(readFileSync(stackFile(env), 'utf8')) as StackInfo;
          if (current.pid === process.pid) rmSync(stackFile(env));
        } catch {
          /* gone already */
        }
      });
    }
    return {
      service,
      store,
      database,
      get temporalAddress() {
        return temporalAddress;
      },
      client,
      ...(workers ? { workers } : {}),
      ...(api ? { api } : {}),
      ...(devServer ? { devServer } : {}),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

export interface CommandContext {
  service: CampaignService;
  /** Where the API is, when there is one. */
  apiUrl?: string;
  stack?: Stack;
  close(): Promise<void>;
}

/**
 * The service a campaign command talks to: a running stack's API, else a stack of its own
 * (embedded: dev server + workers + API on a free port; distributed: just a client and the DB).
 */
export async function commandContext(env: FuselabEnv, logger: Logger, purpose: 'run' | 'read' | 'control'): Promise<CommandContext> {
  const running = env.embeddedTemporal ? await findRunningStack(env) : undefined;
  if (running) {
    logger.info({ api: running.apiUrl }, 'using the running fuselab stack');
    return { service: new HttpCampaignService(running.apiUrl, env.apiToken), apiUrl: running.apiUrl, close: async () => undefined };
  }
  const embedded = env.embeddedTemporal;
  const stack = await startStack(env, logger, {
    workers: embedded && purpose === 'run',
    lazyTemporal: purpose !== 'run',
    api: embedded && purpose === 'run' ? { host: '127.0.0.1', port: 0 } : false,
  });
  return { service: stack.service, ...(stack.api ? { apiUrl: stack.api.url } : {}), stack, close: () => stack.close() };
}
