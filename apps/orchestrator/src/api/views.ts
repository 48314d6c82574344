/**
 * The dashboard's routes: paged jobs and results with field projection, training progress, the
 * aggregated views (compare, breakdown, paper, training, search) and spec validation. Every list
 * is bounded; the aggregations run in SQL (store/dashboard-queries.ts).
 */
import type { Express } from 'express';
import { NETWORKS, VARIANTS } from '@fuselab/fuseconv';
import { hypervolume } from '@fuselab/nas';
import { TIMING_MODELS } from '@fuselab/systolic-sim';
import { z } from 'zod';
import { expandSpec } from '../campaigns/expand.js';
import { toNormalisedSpec, type CampaignService } from '../campaigns/service.js';
import { paperTable } from '../reports/paper-table.js';
import { DashboardQueries, JOB_FIELDS, RESULT_FIELDS, decodeCursor, type JobField, type ResultField } from '../store/dashboard-queries.js';
import { JOB_KINDS } from '../choices.js';
import { JOB_STATUSES } from '../store/jobs.js';
import { BadRequest, arrayParam, arraysParam, csv, intParam, name, parseOr400, wrap } from './http.js';

const listOf = <T extends string>(values: readonly T[], what: string) =>
  csv.pipe(
    z.array(
      z.enum(values as unknown as [T, ...T[]], {
        error: (issue) => `unknown ${what} ${JSON.stringify(issue.input)} (expected ${values.join(', ')})`,
      }),
    ),
  );
const networksParam = z.union([z.literal('all').transform(() => [...NETWORKS]), listOf(NETWORKS, 'network')]);
const variantsParam = z.union([z.literal('all').transform(() => [...VARIANTS]), listOf(VARIANTS, 'variant')]);
const modelParam = z.enum(TIMING_MODELS, { error: `expected one of ${TIMING_MODELS.join(', ')}` });
const fieldsParam = <T extends string>(fields: readonly T[]) => listOf(fields, 'field');

/** The simulation context a comparison holds fixed; defaults are the paper's. */
const context = {
  model: modelParam.default('reference'),
  dataflow: z.enum(['os', 'ws', 'is'], { error: 'expected os, ws or is' }).default('os'),
  inputSize: intParam.max(4096).default(224),
  numClasses: intParam.max(100_000).default(1000),
  campaign: name.optional(),
};
const hardwareParam = z.enum(['auto', 'plain', 'fuse'], { error: 'expected auto, plain or fuse' }).default('auto');

const compareQuery = z.strictObject({
  networks: networksParam.optional(),
  variants: variantsParam.optional(),
  hardware: hardwareParam,
  ...context,
});
const breakdownQuery = z.strictObject({
  network: z.enum(NETWORKS, { error: `expected one of ${NETWORKS.join(', ')}` }),
  variants: variantsParam.optional(),
  arrays: arraysParam.optional(),
  array: arrayParam.optional(),
  heatmap: z.enum(VARIANTS, { error: `expected one of ${VARIANTS.join(', ')}` }).optional(),
  hardware: hardwareParam,
  ...context,
});
const paperQuery = z.strictObject({
  networks: networksParam.optional(),
  network: networksParam.optional(),
  array: arrayParam.default({ rows: 64, cols: 64 }),
  model: modelParam.default('reference'),
  campaign: name.optional(),
});
const trainingQuery = z.strictObject({
  campaign: name.optional(),
  maxPoints: intParam.max(5000).default(500),
  limit: intParam.max(1000).default(200),
});
const searchQuery = z.strictObject({ campaign: name, search: name.optional(), limit: intParam.max(100_000).default(10_000) });
const jobPageQuery = z.strictObject({
  status: z.enum(JOB_STATUSES, { error: `expected one of ${JOB_STATUSES.join(', ')}` }).optional(),
  kind: z.enum(JOB_KINDS, { error: `expected one of ${JOB_KINDS.join(', ')}` }).optional(),
  limit: intParam.max(1000, { error: 'at most 1000' }).default(100),
  after: z.string().max(200).optional(),
  fields: fieldsParam(Object.keys(JOB_FIELDS) as JobField[]).optional(),
});
const resultPageQuery = z.strictObject({
  campaign: name.optional(),
  network: z.enum(NETWORKS, { error: `expected one of ${NETWORKS.join(', ')}` }).optional(),
  variant: z.enum(VARIANTS, { error: `expected one of ${VARIANTS.join(', ')}` }).optional(),
  array: arrayParam.optional(),
  model: modelParam.optional(),
  hardware: z.enum(['plain', 'fuse'], { error: 'expected plain or fuse' }).optional(),
  limit: intParam.max(10_000, { error: 'at most 10000' }).default(1000),
  after: z.string().max(400).optional(),
  fields: fieldsParam(Object.keys(RESULT_FIELDS) as ResultField[]).optional(),
});
const validateBody = z.strictObject({
  spec: z.union([z.string().min(1), z.record(z.string(), z.unknown())], {
    error: 'expected a campaign spec: an object, or YAML/JSON text',
  }),
});

/** A cursor from `next`, checked: a forged one is a 400, never SQL. */
function cursor<T>(text: string | undefined, schema: z.ZodType<T>): T | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = decodeCursor(text);
  } catch {
    throw new BadRequest('query after', 'not a cursor from a previous page');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new BadRequest('query after', 'not a cursor from a previous page');
  return parsed.data;
}

/** Hypervolume of each generation's front, objectives scaled to [0,1] over all candidates, reference 1.1. */
export function hypervolumes(
  objectives: string[],
  candidates: Array<{ objectives: Record<string, number> }>,
  fronts: Array<{ generation: number; evaluations: number; front: Array<{ objectives: Record<string, number> }> }>,
) {
  const lo = objectives.map((o) => Math.min(...candidates.map((c) => c.objectives[o] ?? Infinity)));
  const hi = objectives.map((o) => Math.max(...candidates.map((c) => c.objectives[o] ?? -Infinity)));
  const scale = (point: Record<string, number>) =>
    objectives.map((o, i) => (hi[i]! > lo[i]! ? (point[o]! - lo[i]!) / (hi[i]! - lo[i]!) : 0));
  return fronts.map((f) => ({
    generation: f.generation,
    evaluations: f.evaluations,
    hypervolume: candidates.length
      ? hypervolume(
          f.front.map((p) => scale(p.objectives)),
          objectives.map(() => 1.1),
        )
      : 0,
  }));
}

export function registerViewRoutes(app: Express, service: CampaignService, queries: DashboardQueries): void {
  app.get(
    '/api/campaigns/:id/job-page',
    wrap(async (req, res) => {
      const id = String(req.params.id);
      const query = parseOr400(jobPageQuery, req.query, 'query ');
      await service.get(id);
      const after = cursor(query.after, z.object({ p: z.number().int() }))?.p;
      res.json(
        await queries.jobPage(id, {
          ...(query.status ? { status: query.status } : {}),
          ...(query.kind ? { kind: query.kind } : {}),
          limit: query.limit,
          ...(after !== undefined ? { after } : {}),
          fields: query.fields ?? (Object.keys(JOB_FIELDS) as JobField[]),
        }),
      );
    }),
  );
  app.get(
    '/api/campaigns/:id/training-progress',
    wrap(async (req, res) => {
      parseOr400(z.strictObject({}), req.query, 'query ');
      const id = String(req.params.id);
      await service.get(id);
      res.json(await queries.trainingProgress(id));
    }),
  );
  app.get(
    '/api/result-page',
    wrap(async (req, res) => {
      const query = parseOr400(resultPageQuery, req.query, 'query ');
      const after = cursor(query.after, z.object({ k: z.string() }))?.k;
      const filters = {
        ...(query.campaign ? { campaignId: query.campaign } : {}),
        ...(query.network ? { network: query.network } : {}),
        ...(query.variant ? { variant: query.variant } : {}),
        ...(query.array ? { rows: query.array.rows, cols: query.array.cols } : {}),
        ...(query.model ? { model: query.model } : {}),
        ...(query.hardware ? { hardware: query.hardware } : {}),
      };
      res.json(
        await queries.resultPage(filters, {
          limit: query.limit,
          ...(after !== undefined ? { after } : {}),
          fields: query.fields ?? (Object.keys(RESULT_FIELDS) as ResultField[]),
        }),
      );
    }),
  );
  app.get(
    '/api/views/compare',
    wrap(async (req, res) => {
      const q = parseOr400(compareQuery, req.query, 'query ');
      if (q.campaign) await service.get(q.campaign);
      const rows = await queries.compare({
        model: q.model,
        dataflow: q.dataflow,
        inputSize: q.inputSize,
        numClasses: q.numClasses,
        hardware: q.hardware,
        ...(q.networks ? { networks: q.networks } : {}),
        ...(q.variants ? { variants: q.variants } : {}),
        ...(q.campaign ? { campaignId: q.campaign } : {}),
      });
      res.json({ rows });
    }),
  );
  app.get(
    '/api/views/breakdown',
    wrap(async (req, res) => {
      const q = parseOr400(breakdownQuery, req.query, 'query ');
      if (q.campaign) await service.get(q.campaign);
      res.json(
        await queries.breakdown({
          network: q.network,
          model: q.model,
          dataflow: q.dataflow,
          inputSize: q.inputSize,
          numClasses: q.numClasses,
          hardware: q.hardware,
          ...(q.variants ? { variants: q.variants } : {}),
          ...(q.arrays ? { arrays: q.arrays } : {}),
          ...(q.array ? { array: q.array } : {}),
          ...(q.heatmap ? { heatmap: q.heatmap } : {}),
          ...(q.campaign ? { campaignId: q.campaign } : {}),
        }),
      );
    }),
  );
  app.get(
    '/api/views/paper',
    wrap(async (req, res) => {
      const q = parseOr400(paperQuery, req.query, 'query ');
      if (q.campaign) await service.get(q.campaign);
      const networks = q.networks ?? q.network ?? [...NETWORKS];
      // The same report code as `fuselab table --json` (first principles, instant), so the numbers are equal.
      const accuracy = await queries.accuracy(networks, q.campaign);
      const tables = networks.map((network) => ({
        ...paperTable(network, q.array.rows, q.array.cols, q.model),
        accuracy: accuracy.filter((row) => row.network === network),
      }));
      res.json({ tables });
    }),
  );
  app.get(
    '/api/views/training',
    wrap(async (req, res) => {
      const q = parseOr400(trainingQuery, req.query, 'query ');
      if (q.campaign) await service.get(q.campaign);
      res.json(await queries.training({ maxPoints: q.maxPoints, limit: q.limit, ...(q.campaign ? { campaignId: q.campaign } : {}) }));
    }),
  );
  app.get(
    '/api/views/search',
    wrap(async (req, res) => {
      const q = parseOr400(searchQuery, req.query, 'query ');
      await service.get(q.campaign);
      const searches = await queries.searches(q.campaign);
      const chosen = q.search === undefined ? searches[0] : searches.find((s) => s.name === q.search || s.jobKey === q.search);
      if (q.search !== undefined && !chosen) throw new BadRequest('query search', `no search "${q.search}" in campaign ${q.campaign}`);
      if (!chosen) return res.json({ searches, search: null, candidates: [], front: [], hypervolume: [] });
      const detail = await queries.searchDetail(String(chosen.jobKey), q.limit);
      const objectives = chosen.objectives as string[];
      return res.json({
        searches,
        search: chosen,
        candidates: detail.candidates,
        front: detail.fronts.at(-1)?.front ?? [],
        hypervolume: hypervolumes(objectives, detail.candidates, detail.fronts),
      });
    }),
  );
  app.post(
    '/api/specs/validate',
    wrap(async (req, res) => {
      const body = parseOr400(validateBody, req.body ?? {}, '');
      const spec = toNormalisedSpec(body.spec);
      const jobs = expandSpec(spec);
      const count = (kind: string) => jobs.filter((job) => job.kind === kind).length;
      res.json({
        ok: true,
        name: spec.name,
        jobs: { simulations: count('sim'), trainings: count('train'), searches: count('nas'), total: jobs.length },
      });
    }),
  );
}
