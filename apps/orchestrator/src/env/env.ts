/**
 * The environment, validated with zod like every other trust boundary. No variable set means the
 * embedded stack; TEMPORAL_ADDRESS + DATABASE_URL mean distributed mode.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { describeZodError } from '../campaigns/validation.js';
import { dataRootsFrom, DataPathError } from './data-roots.js';

/** A bad environment variable (`field`, e.g. DATABASE_URL): the CLI prints the message and exits 2. */
export class EnvError extends Error {
  override name = 'EnvError';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`environment variable ${field}: ${problem}`);
  }
}

const port = z.coerce
  .number({ error: 'expected a port number' })
  .int({ error: 'expected a port number' })
  .min(0, { error: 'expected a port number 0…65535' })
  .max(65535, { error: 'expected a port number 0…65535' });
const positiveInt = z.coerce
  .number({ error: 'expected a positive integer' })
  .int({ error: 'expected a positive integer' })
  .positive({ error: 'expected a positive integer' });
const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

export const envSchema = z
  .object({
    FUSELAB_HOME: z.preprocess(blankToUndefined, z.string().optional()),
    TEMPORAL_ADDRESS: z.preprocess(
      blankToUndefined,
      z
        .string()
        .regex(/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/, { error: 'expected host:port, e.g. temporal.internal:7233' })
        .optional(),
    ),
    TEMPORAL_NAMESPACE: z.preprocess(blankToUndefined, z.string().min(1).default('default')),
    TEMPORAL_CLI: z.preprocess(blankToUndefined, z.string().optional()),
    FUSELAB_TEMPORAL_PORT: z.preprocess(blankToUndefined, port.optional()),
    DATABASE_URL: z.preprocess(
      blankToUndefined,
      z
        .string()
        .regex(/^postgres(ql)?:\/\/.+/, { error: 'expected a postgres:// or postgresql:// URL' })
        .optional(),
    ),
    FUSELAB_API_HOST: z.preprocess(blankToUndefined, z.string().min(1).default('127.0.0.1')),
    FUSELAB_API_PORT: z.preprocess(blankToUndefined, port.default(8787)),
    FUSELAB_API_TOKEN: z.preprocess(blankToUndefined, z.string().min(16, { error: 'expected at least 16 characters' }).optional()),
    FUSELAB_DATA_ROOTS: z.preprocess(blankToUndefined, z.string().optional()),
    FUSELAB_WORKER_CONCURRENCY: z.preprocess(blankToUndefined, positiveInt.max(256, { error: 'expected at most 256' }).default(4)),
    // A training takes a core (one wasm thread, in a child process of the worker): the default of
    // 1 leaves the rest of the machine to the worker's other queues; set it to the cores to spare.
    FUSELAB_TRAIN_CONCURRENCY: z.preprocess(blankToUndefined, positiveInt.max(256, { error: 'expected at most 256' }).default(1)),
  })
  .superRefine((env, ctx) => {
    if (env.TEMPORAL_ADDRESS && !env.DATABASE_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message:
          'required when TEMPORAL_ADDRESS is set: workers on other machines need a shared PostgreSQL (the embedded PGlite lives in one process)',
      });
    }
  });

export interface FuselabEnv {
  home: string;
  temporalAddress?: string;
  temporalNamespace: string;
  temporalCli?: string;
  temporalPort?: number;
  databaseUrl?: string;
  apiHost: string;
  apiPort: number;
  apiToken?: string;
  workerConcurrency: number;
  /** Trainings at once per worker process (fuselab-train; each in its own child process). */
  trainConcurrency: number;
  /** Directories whose files campaign specs may name (see data-roots.ts). */
  dataRoots: string[];
  /** No TEMPORAL_ADDRESS: the embedded dev server and in-process workers. */
  embeddedTemporal: boolean;
}

export function loadEnv(source: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): FuselabEnv {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const { field, problem } = describeZodError(parsed.error);
    throw new EnvError(field, problem);
  }
  const env = parsed.data;
  const home = resolve(cwd, env.FUSELAB_HOME ?? '.fuselab');
  let dataRoots: string[];
  try {
    dataRoots = dataRootsFrom(env.FUSELAB_DATA_ROOTS, { cwd, home });
  } catch (error) {
    if (error instanceof DataPathError) throw new EnvError(error.field, error.problem);
    throw error;
  }
  return {
    home,
    ...(env.TEMPORAL_ADDRESS ? { temporalAddress: env.TEMPORAL_ADDRESS } : {}),
    temporalNamespace: env.TEMPORAL_NAMESPACE,
    ...(env.TEMPORAL_CLI ? { temporalCli: env.TEMPORAL_CLI } : {}),
    ...(env.FUSELAB_TEMPORAL_PORT !== undefined ? { temporalPort: env.FUSELAB_TEMPORAL_PORT } : {}),
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    apiHost: env.FUSELAB_API_HOST,
    apiPort: env.FUSELAB_API_PORT,
    ...(env.FUSELAB_API_TOKEN ? { apiToken: env.FUSELAB_API_TOKEN } : {}),
    workerConcurrency: env.FUSELAB_WORKER_CONCURRENCY,
    trainConcurrency: env.FUSELAB_TRAIN_CONCURRENCY,
    dataRoots,
    embeddedTemporal: !env.TEMPORAL_ADDRESS,
  };
}
