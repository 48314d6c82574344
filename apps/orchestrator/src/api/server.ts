/**
 * The REST API (express) over a CampaignService: campaigns, jobs, results with filters, training
 * curves, search fronts, the dashboard's views (views.ts), server-sent events (events.ts), and the
 * built dashboard itself (static.ts). Loopback by default; with FUSELAB_API_TOKEN every request
 * needs the token as a bearer header or a session cookie (auth.ts), and a non-loopback address is
 * refused without a token.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { HARDWARE_KINDS } from '@fuselab/systolic-sim';
import { LocalCampaignService, type CampaignService } from '../campaigns/service.js';
import { TRAINED_CHECKPOINT_HEADERS } from '../campaigns/trained-checkpoint.js';
import { httpStatus } from '../errors/input-errors.js';
import { DashboardQueries } from '../store/dashboard-queries.js';
import type { ResultFilters } from '../store/store.js';
import { createAuth } from './auth.js';
import { registerEventRoutes } from './events.js';
import { JOB_STATUSES } from '../store/jobs.js';
import { BadRequest, arrayParam, boolParam, intParam, name, parseOr400, wrap } from './http.js';
import { registerStaticRoutes } from './static.js';
import { registerViewRoutes } from './views.js';

export class ApiConfigError extends Error {
  override name = 'ApiConfigError';
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
export const isLoopback = (host: string) => LOOPBACK.has(host) || host.startsWith('127.');

const submitBody = z.strictObject({
  spec: z.union([z.string().min(1), z.record(z.string(), z.unknown())], {
    error: 'expected a campaign spec: an object, or YAML/JSON text',
  }),
  force: z.boolean({ error: 'expected true or false' }).optional(),
  concurrency: z
    .number({ error: 'expected a positive integer' })
    .int({ error: 'expected a positive integer' })
    .positive({ error: 'expected a positive integer' })
    .max(1000)
    .optional(),
});

const resultFilters = {
  network: name.optional(),
  variant: name.optional(),
  array: arrayParam.optional(),
  rows: intParam.optional(),
  cols: intParam.optional(),
  model: name.optional(),
  hardware: z.enum(HARDWARE_KINDS, { error: `expected ${HARDWARE_KINDS.join(' or ')}` }).optional(),
  layers: boolParam.optional(),
  limit: intParam.max(100_000).optional(),
  offset: z.coerce
    .number({ error: 'expected an integer' })
    .int({ error: 'expected an integer' })
    .nonnegative({ error: 'expected 0 or more' })
    .optional(),
};
const resultQuery = z.strictObject({ campaign: name.optional(), ...resultFilters });
const campaignResultQuery = z.strictObject(resultFilters);
const exportQuery = z.strictObject({ checkpoints: boolParam.optional() });
const jobsQuery = z.strictObject({
  status: z.enum(JOB_STATUSES, { error: `expected one of ${JOB_STATUSES.join(', ')}` }).optional(),
  limit: intParam.max(100_000).optional(),
  offset: z.coerce
    .number({ error: 'expected an integer' })
    .int({ error: 'expected an integer' })
    .nonnegative({ error: 'expected 0 or more' })
    .optional(),
});
/** Rows a list route returns at most (and by default). */
export const LIST_LIMIT = 100_000;
const campaignQuery = z.strictObject({
  campaign: name.optional(),
  limit: intParam.max(LIST_LIMIT, { error: `at most ${LIST_LIMIT}` }).default(LIST_LIMIT),
});
const noQuery = z.strictObject({});

/** Bodies: small everywhere; an import document (results, checkpoints) may be large. */
export const BODY_LIMIT = '1mb';
export const IMPORT_BODY_LIMIT = '50mb';
/** Longest accepted path + query string. */
export const MAX_URL_LENGTH = 4096;

function toFilters(query: z.infer<typeof campaignResultQuery>, campaignId: string | undefined): ResultFilters {
  const rows = query.array?.rows ?? query.rows;
  const cols = query.array?.cols ?? query.cols;
  return {
    ...(campaignId ? { campaignId } : {}),
    ...(query.network ? { network: query.network } : {}),
    ...(query.variant ? { variant: query.variant } : {}),
    ...(rows !== undefined ? { rows } : {}),
    ...(cols !== undefined ? { cols } : {}),
    ...(query.model ? { model: query.model } : {}),
    ...(query.hardware ? { hardware: query.hardware } : {}),
    ...(query.limit ? { limit: query.limit } : {}),
    ...(query.offset ? { offset: query.offset } : {}),
  };
}

export interface ApiOptions {
  service: CampaignService;
  logger: Logger;
  token?: string;
  /** How often SSE streams poll progress. */
  eventIntervalMs?: number;
  /** SSE heartbeat period (default 15 s). */
  heartbeatMs?: number;
  /** The dashboard's reads; by default over the local service's database (none over HTTP). */
  queries?: DashboardQueries;
  /** The built dashboard to serve (default apps/dashboard/dist); false serves none. */
  dashboardDir?: string | false;
}

export function createApp(options: ApiOptions) {
  const { service, logger } = options;
  const queries = options.queries ?? (service instanceof LocalCampaignService ? new DashboardQueries(service.store.db) : undefined);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', 'strong');
  app.use((req, res, next) => {
    res.set({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'same-origin' });
    if (req.originalUrl.length > MAX_URL_LENGTH)
      return res.status(414).json({ error: `query: the URL is longer than ${MAX_URL_LENGTH} characters` });
    // JSON is revalidated on every poll: an unchanged answer is a 304 (the ETag matches).
    if (req.path.startsWith('/api/')) res.set('cache-control', 'no-cache');
    return next();
  });

  app.get('/api/health', (_req, res) => {
    res.json({ ok: true });
  });
  createAuth(options.token).install(app);

  app.post(
    '/api/import',
    express.json({ limit: IMPORT_BODY_LIMIT }),
    wrap(async (req, res) => res.status(201).json(await service.importCampaign(req.body))),
  );
  app.use(express.json({ limit: BODY_LIMIT }));

  app.post(
    '/api/campaigns',
    wrap(async (req, res) => {
      const body = parseOr400(submitBody, req.body ?? {}, '');
      const submitted = await service.submit(body.spec, {
        ...(body.force !== undefined ? { force: body.force } : {}),
        ...(body.concurrency ? { concurrency: body.concurrency } : {}),
      });
      res.status(201).location(`/api/campaigns/${submitted.campaignId}`).json(submitted);
    }),
  );
  /** The list, each campaign with its job counts and when its first job started. */
  const listCampaigns = () => service.list();
  app.get(
    '/api/campaigns',
    wrap(async (req, res) => {
      parseOr400(noQuery, req.query, 'query ');
      res.json(await listCampaigns());
    }),
  );
  app.get(
    '/api/campaigns/:id',
    wrap(async (req, res) => res.json(await service.get(String(req.params.id)))),
  );
  app.get(
    '/api/campaigns/:id/progress',
    wrap(async (req, res) => res.json(await service.progress(String(req.params.id)))),
  );
  app.post(
    '/api/campaigns/:id/cancel',
    wrap(async (req, res) => res.status(202).json(await service.cancel(String(req.params.id)))),
  );
  app.get(
    '/api/campaigns/:id/jobs',
    wrap(async (req, res) => {
      const query = parseOr400(jobsQuery, req.query, 'query ');
      res.json(await service.jobs(String(req.params.id), query));
    }),
  );
  app.get(
    '/api/campaigns/:id/searches',
    wrap(async (req, res) => res.json(await service.searchResults(String(req.params.id)))),
  );
  app.get(
    '/api/campaigns/:id/export',
    wrap(async (req, res) => {
      const query = parseOr400(exportQuery, req.query, 'query ');
      res.json(await service.exportCampaign(String(req.params.id), { checkpoints: query.checkpoints !== 'false' }));
    }),
  );
  app.get(
    '/api/campaigns/:id/trainings/:key/checkpoint',
    wrap(async (req, res) => {
      parseOr400(noQuery, req.query, 'query ');
      const found = await service.trainedCheckpoint(String(req.params.id), String(req.params.key));
      res.type('application/gzip').attachment(found.fileName).set(TRAINED_CHECKPOINT_HEADERS.jobKey, found.jobKey);
      if (found.testAccuracy !== null) res.set(TRAINED_CHECKPOINT_HEADERS.testAccuracy, String(found.testAccuracy));
      res.send(Buffer.from(found.bytes));
    }),
  );
  app.get(
    '/api/results',
    wrap(async (req, res) => {
      const query = parseOr400(resultQuery, req.query, 'query ');
      res.json(await service.results(toFilters(query, query.campaign), query.layers === 'true'));
    }),
  );
  app.get(
    '/api/campaigns/:id/results',
    wrap(async (req, res) => {
      const id = String(req.params.id);
      const query = parseOr400(campaignResultQuery, req.query, 'query ');
      await service.get(id);
      res.json(await service.results(toFilters(query, id), query.layers === 'true'));
    }),
  );
  const byCampaign = (read: (campaignId: string | undefined, limit: number) => Promise<unknown>) =>
    wrap(async (req, res) => {
      const query = parseOr400(campaignQuery, req.query, 'query ');
      res.json(await read(query.campaign, query.limit));
    });
  app.get(
    '/api/training-results',
    byCampaign((campaign, limit) => service.trainingResults(campaign, limit)),
  );
  app.get(
    '/api/training-curves',
    byCampaign((campaign, limit) => service.trainingCurves(campaign, limit)),
  );
  app.get(
    '/api/search-fronts',
    byCampaign((campaign, limit) => service.searchFronts(campaign, limit)),
  );

  registerEventRoutes(app, service, listCampaigns, logger, {
    ...(options.eventIntervalMs ? { intervalMs: options.eventIntervalMs } : {}),
    ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
  });
  if (queries) registerViewRoutes(app, service, queries);

  app.use('/api', (_req, res) => {
    res.status(404).json({ error: 'no such endpoint' });
  });
  if (options.dashboardDir !== false) registerStaticRoutes(app, options.dashboardDir);
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const type = (error as { type?: string } | null)?.type;
    if (type === 'entity.too.large')
      return res.status(413).json({ error: `body: larger than the limit (${(error as { limit?: number }).limit ?? '?'} bytes)` });
    const failure = type === 'entity.parse.failed' ? new BadRequest('body', 'not valid JSON') : error;
    const status = httpStatus(failure);
    if (status !== 500) {
      // Input errors carry the field and the problem, so the CLI's API client rebuilds the same error.
      const { message, field, problem } = failure as Error & { field?: string; problem?: string };
      return res.status(status).json({ error: message, ...(field !== undefined && problem !== undefined ? { field, problem } : {}) });
    }
    const httpError = (error as { status?: number } | null)?.status;
    if (typeof httpError === 'number' && httpError >= 400 && httpError < 500)
      return res.status(httpError).json({ error: (error as Error).message });
    logger.error({ err: error }, 'API request failed');
    return res.status(500).json({ error: (error as Error)?.message ?? 'internal error' });
  });
  return app;
}

export interface RunningApi {
  url: string;
  server: Server;
  /** When a request last started or ended (ms since the epoch; 0: none yet): how a stack's owner tells that its followers are done. */
  lastActivity(): number;
  close(): Promise<void>;
}

export async function startApi(options: ApiOptions & { host: string; port: number }): Promise<RunningApi> {
  if (!isLoopback(options.host) && !options.token) {
    throw new ApiConfigError(
      `FUSELAB_API_HOST=${options.host} is not a loopback address: set FUSELAB_API_TOKEN (at least 16 characters) to serve the API beyond this machine`,
    );
  }
  const app = createApp(options);
  const server = await new Promise<Server>((resolveServer, reject) => {
    const s = app.listen(options.port, options.host, (error?: Error) => (error ? reject(error) : resolveServer(s)));
    s.once('error', reject);
  }).catch((error: NodeJS.ErrnoException) => {
    throw new ApiConfigError(
      `cannot serve the API on ${options.host}:${options.port}: ${error.code === 'EADDRINUSE' ? 'the port is in use (set FUSELAB_API_PORT)' : error.message}`,
    );
  });
  let lastActivity = 0;
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    lastActivity = Date.now();
    res.once('close', () => (lastActivity = Date.now()));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    server,
    lastActivity: () => lastActivity,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}
