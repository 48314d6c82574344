/**
 * The REST API (express) over a CampaignService: campaigns, jobs, results with filters, training
 * curves, search fronts, and server-sent events for live progress. Loopback by default; with
 * FUSELAB_API_TOKEN every request needs `Authorization: Bearer <token>`, and a non-loopback address
 * is refused without a token.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { HARDWARE_KINDS } from '@fuselab/systolic-sim';
import { progressFromDetail, type CampaignService } from '../campaigns/service.js';
import { describeZodError } from '../campaigns/validation.js';
import { httpStatus } from '../errors/input-errors.js';
import type { CampaignProgress } from '../workflows/campaign.js';

export class ApiConfigError extends Error {
  override name = 'ApiConfigError';
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
export const isLoopback = (host: string) => LOOPBACK.has(host) || host.startsWith('127.');

const submitBody = z.strictObject({
  spec: z.union([z.string().min(1), z.record(z.string(), z.unknown())], { error: 'expected a campaign spec: an object, or YAML/JSON text' }),
  force: z.boolean({ error: 'expected true or false' }).optional(),
  concurrency: z.number({ error: 'expected a positive integer' }).int({ error: 'expected a positive integer' }).positive({ error: 'expected a positive integer' }).max(1000).optional(),
});

const intParam = z.coerce.number({ error: 'expected an integer' }).int({ error: 'expected an integer' }).positive({ error: 'expected a positive integer' });
const resultQuery = z.strictObject({
  campaign: z.string().min(1).optional(),
  network: z.string().min(1).optional(),
  variant: z.string().min(1).optional(),
  array: z.string().regex(/^\d+(x\d+)?$/i, { error: 'expected N or RxC' }).optional(),
  rows: intParam.optional(),
  cols: intParam.optional(),
  model: z.string().min(1).optional(),
  hardware: z.enum(HARDWARE_KINDS, { error: `expected ${HARDWARE_KINDS.join(' or ')}` }).optional(),
  layers: z.enum(['true', 'false'], { error: 'expected true or false' }).optional(),
  limit: intParam.max(100_000).optional(),
  offset: z.coerce.number().int().nonnegative().optional(),
});
const exportQuery = z.strictObject({ checkpoints: z.enum(['true', 'false'], { error: 'expected true or false' }).optional() });
const jobsQuery = z.strictObject({ status: z.enum(['pending', 'running', 'completed', 'failed', 'reused', 'cancelled']).optional(), limit: intParam.max(100_000).optional(), offset: z.coerce.number().int().nonnegative().optional() });

/** A request body or query the client must fix (400), naming the field. */
class BadRequestError extends Error {
  override name = 'BadRequestError';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

function parseOr400<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const { field, problem } = describeZodError(parsed.error);
    throw new BadRequestError(`${where}${field}`, problem);
  }
  return parsed.data;
}

const isBodyParseFailure = (error: unknown) => typeof error === 'object' && error !== null && 'type' in error && (error as { type: string }).type === 'entity.parse.failed';

const wrap = (handler: (req: Request, res: Response) => Promise<unknown>) => (req: Request, res: Response, next: NextFunction) => {
  handler(req, res).catch(next);
};

export interface ApiOptions {
  service: CampaignService;
  logger: Logger;
  token?: string;
  /** How often SSE streams poll progress. */
  eventIntervalMs?: number;
}

export function createApp(options: ApiOptions) {
  const { service, logger } = options;
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '50mb' }));

  app.get('/api/health', (_req, res) => {
    res.json({ ok: true });
  });

  if (options.token) {
    const expected = Buffer.from(`Bearer ${options.token}`);
    app.use((req, res, next) => {
      const given = Buffer.from(req.get('authorization') ?? '');
      if (given.length === expected.length && timingSafeEqual(given, expected)) return next();
      res.status(401).json({ error: 'missing or wrong bearer token (Authorization: Bearer <FUSELAB_API_TOKEN>)' });
    });
  }

  app.post(
    '/api/campaigns',
    wrap(async (req, res) => {
      const body = parseOr400(submitBody, req.body ?? {}, '');
      const submitted = await service.submit(body.spec, { ...(body.force !== undefined ? { force: body.force } : {}), ...(body.concurrency ? { concurrency: body.concurrency } : {}) });
      res.status(201).location(`/api/campaigns/${submitted.campaignId}`).json(submitted);
    }),
  );
  app.get('/api/campaigns', wrap(async (_req, res) => res.json(await service.list())));
  app.get('/api/campaigns/:id', wrap(async (req, res) => res.json(await service.get(String(req.params.id)))));
  app.get('/api/campaigns/:id/progress', wrap(async (req, res) => res.json(await service.progress(String(req.params.id)))));
  app.post('/api/campaigns/:id/cancel', wrap(async (req, res) => res.status(202).json(await service.cancel(String(req.params.id)))));
  app.get(
    '/api/campaigns/:id/jobs',
    wrap(async (req, res) => {
      const query = parseOr400(jobsQuery, req.query, 'query ');
      res.json(await service.jobs(String(req.params.id), query));
    }),
  );
  app.get('/api/campaigns/:id/searches', wrap(async (req, res) => res.json(await service.searchResults(String(req.params.id)))));
  app.get(
    '/api/campaigns/:id/export',
    wrap(async (req, res) => {
      const query = parseOr400(exportQuery, req.query, 'query ');
      res.json(await service.exportCampaign(String(req.params.id), { checkpoints: query.checkpoints !== 'false' }));
    }),
  );
  app.post('/api/import', wrap(async (req, res) => res.status(201).json(await service.importCampaign(req.body))));
  app.get(
    '/api/results',
    wrap(async (req, res) => {
      const query = parseOr400(resultQuery, req.query, 'query ');
      let rows = query.rows;
      let cols = query.cols;
      if (query.array) {
        const [r, c] = query.array.toLowerCase().split('x').map(Number);
        rows = r;
        cols = c ?? r;
      }
      res.json(
        await service.results(
          {
            ...(query.campaign ? { campaignId: query.campaign } : {}),
            ...(query.network ? { network: query.network } : {}),
            ...(query.variant ? { variant: query.variant } : {}),
            ...(rows !== undefined ? { rows } : {}),
            ...(cols !== undefined ? { cols } : {}),
            ...(query.model ? { model: query.model } : {}),
            ...(query.hardware ? { hardware: query.hardware } : {}),
            ...(query.limit ? { limit: query.limit } : {}),
            ...(query.offset ? { offset: query.offset } : {}),
          },
          query.layers === 'true',
        ),
      );
    }),
  );
  app.get('/api/campaigns/:id/results', (req, res, next) => {
    req.url = `/api/results?campaign=${encodeURIComponent(String(req.params.id))}`;
    next();
  });
  app.get('/api/training-results', wrap(async (req, res) => res.json(await service.trainingResults(typeof req.query.campaign === 'string' ? req.query.campaign : undefined))));
  app.get('/api/training-curves', wrap(async (req, res) => res.json(await service.trainingCurves(typeof req.query.campaign === 'string' ? req.query.campaign : undefined))));
  app.get('/api/search-fronts', wrap(async (req, res) => res.json(await service.searchFronts(typeof req.query.campaign === 'string' ? req.query.campaign : undefined))));

  /** Server-sent events: `progress` whenever the numbers move, then `done` and the stream ends. */
  app.get(
    '/api/campaigns/:id/events',
    wrap(async (req, res) => {
      const id = String(req.params.id);
      await service.get(id);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.write(': fuselab progress\n\n');
      let closed = false;
      req.on('close', () => {
        closed = true;
      });
      let last = '';
      const send = (event: string, data: CampaignProgress) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      while (!closed) {
        let progress: CampaignProgress;
        try {
          progress = await service.progress(id);
        } catch (error) {
          logger.warn({ err: error }, 'progress for SSE failed');
          break;
        }
        const text = JSON.stringify(progress);
        if (text !== last) send('progress', progress);
        last = text;
        if (['completed', 'failed', 'cancelled'].includes(progress.status)) {
          send('done', progressFromDetail(await service.get(id)));
          break;
        }
        await new Promise((r) => setTimeout(r, options.eventIntervalMs ?? 500));
      }
      res.end();
    }),
  );

  app.use('/api', (_req, res) => {
    res.status(404).json({ error: 'no such endpoint' });
  });
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const failure = isBodyParseFailure(error) ? new BadRequestError('body', 'not valid JSON') : error;
    const status = httpStatus(failure);
    if (status !== 500) {
      // Input errors carry the field and the problem, so the CLI's API client rebuilds the same error.
      const { message, field, problem } = failure as Error & { field?: string; problem?: string };
      return res.status(status).json({ error: message, ...(field !== undefined && problem !== undefined ? { field, problem } : {}) });
    }
    logger.error({ err: error }, 'API request failed');
    return res.status(500).json({ error: (error as Error)?.message ?? 'internal error' });
  });
  return app;
}

export interface RunningApi {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startApi(options: ApiOptions & { host: string; port: number }): Promise<RunningApi> {
  if (!isLoopback(options.host) && !options.token) {
    throw new ApiConfigError(`FUSELAB_API_HOST=${options.host} is not a loopback address: set FUSELAB_API_TOKEN (at least 16 characters) to serve the API beyond this machine`);
  }
  const app = createApp(options);
  const server = await new Promise<Server>((resolveServer, reject) => {
    const s = app.listen(options.port, options.host, (error?: Error) => (error ? reject(error) : resolveServer(s)));
    s.once('error', reject);
  }).catch((error: NodeJS.ErrnoException) => {
    throw new ApiConfigError(`cannot serve the API on ${options.host}:${options.port}: ${error.code === 'EADDRINUSE' ? 'the port is in use (set FUSELAB_API_PORT)' : error.message}`);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}
