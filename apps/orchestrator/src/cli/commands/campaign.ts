/**
 * `fuselab campaign run|list|status|cancel|results|export|import` (and `checkpoint`, campaign-checkpoint.ts).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Command } from 'commander';
import Table from 'cli-table3';
import { operatorString } from '@fuselab/fuseconv';
import { NEGATED_OBJECTIVES } from '@fuselab/nas';
import type { CampaignOutcome } from '../../campaigns/service.js';
import type { CampaignProgress, RunningSearch } from '../../workflows/campaign.js';
import type { ConfirmedSearchFront, SearchResultRow } from '../../store/store.js';
import { normaliseSpec, parseSpecText } from '../../campaigns/spec.js';
import { SpecError } from '../../campaigns/validation.js';
import type { CommandContext } from '../../embedded/stack.js';
import { loadEnv } from '../../env/env.js';
import { renderPaperTable } from '../../reports/paper-table.js';

// The Temporal SDK, drizzle and PGlite load only when a campaign command runs, so the other
// commands start as fast as before.
const stackModule = () => import('../../embedded/stack.js');
const serviceModule = () => import('../../campaigns/service.js');
const paperTables = async (...args: Parameters<typeof import('../../campaigns/paper-report.js').paperTablesFromResults>) =>
  (await import('../../campaigns/paper-report.js')).paperTablesFromResults(...args);
import { ignoreErrorsWhileClosing } from '../closing.js';
import { registerCheckpointCommand } from './campaign-checkpoint.js';
import { createLogger } from '../logger.js';
import { parseArray, parseModel, parsePositiveInt } from '../options.js';
import { printJson, printText } from '../output.js';
import { progressBar } from '../progress.js';
import { UsageError } from '../usage-error.js';
import { writeWhole } from '../write-whole.js';

function readFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new SpecError(`${what} ${path}`, `cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** An export file's text: gzip-compressed (`export --out FILE.gz`) or plain, told by its first bytes. */
function readExportFile(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new SpecError(`export file ${path}`, `cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes.toString('utf8');
  try {
    return gunzipSync(bytes).toString('utf8');
  } catch (error) {
    throw new SpecError(`export file ${path}`, `starts like gzip but does not decompress (${(error as Error).message})`);
  }
}

async function withContext<T>(purpose: 'run' | 'read' | 'control', body: (ctx: CommandContext) => Promise<T>): Promise<T> {
  const env = loadEnv();
  const logger = createLogger();
  const ctx = await (await stackModule()).commandContext(env, logger, purpose);
  // A stack of this command's own (dev server, workers) must not outlive it: a SIGINT or SIGTERM
  // sent to this process alone (a supervisor, `kill`) would otherwise end Node and orphan the
  // Temporal dev server, which keeps its port and database file. The campaign itself is kept in
  // the database: running the same spec again goes on from its stored results and checkpoints.
  let stopping: Promise<never> | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return; // the first signal's status stands
    process.stderr.write(`\n${signal}: stopping this command's stack (the campaign is kept; run the same spec again to go on)…\n`);
    const exit = () => process.exit(signal === 'SIGINT' ? 130 : 143);
    ignoreErrorsWhileClosing(logger);
    stopping = ctx.close().then(exit, exit);
  };
  if (ctx.stack) {
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  try {
    return await body(ctx);
  } catch (error) {
    // What fails because the stack is closing (following a campaign whose database just closed)
    // is not the command's error: it ends with the signal's status once the stack is down.
    if (stopping) return await stopping;
    throw error;
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    if (!stopping) await ctx.close();
  }
}

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One table per finished search: its Pareto front (operators as d/f/h per block, then the objectives). */
export function renderSearchFronts(rows: readonly SearchResultRow[]): string {
  return rows
    .map((r) => {
      const table = new Table({
        // Objectives minimised as their negative (accuracy, synflow) are headed so: −accuracy.
        head: [
          '#',
          'operators (d=dw f=fuse_full h=fuse_half)',
          ...r.objectives.map((o) => {
            const head = (NEGATED_OBJECTIVES as readonly string[]).includes(o) ? `−${o}` : o;
            return o === 'accuracy' && r.trainingSeeds ? `${head} (mean of seeds ${r.trainingSeeds.join(' / ')})` : head;
          }),
        ],
        colAligns: ['right', 'left', ...r.objectives.map(() => 'right' as const)],
        style: { head: [], border: [] },
      });
      r.front.forEach((entry, i) => {
        const ops = operatorString(entry.operators);
        const array = entry.array as { rows: number; cols: number; hardware: string } | undefined;
        table.push([
          i + 1,
          array ? `${ops} @${array.rows}x${array.cols}/${array.hardware}` : ops,
          ...r.objectives.map((o) => (entry.objectives[o] ?? NaN).toLocaleString('en-US')),
        ]);
      });
      const found = `search ${r.name ?? r.jobKey.slice(0, 12)}: ${r.network} ${r.space} ${r.strategy}, ${r.evaluations} evaluations in ${r.generations} generations (${r.runs} workflow run${r.runs === 1 ? '' : 's'}), front of ${r.front.length}\n${table.toString()}`;
      return r.confirmed ? `${found}\n${renderConfirmedFront(r.confirmed, r.objectives)}` : found;
    })
    .join('\n');
}

/**
 * A search's front confirmed over more seeds: each network's test accuracy per seed and its
 * mean ± sd, the other objectives, and `*` on the front of the means.
 */
function renderConfirmedFront(confirmed: ConfirmedSearchFront, objectives: readonly string[]): string {
  const others = objectives.filter((o) => o !== 'accuracy');
  const table = new Table({
    head: ['#', 'operators', `accuracy % at seeds ${confirmed.seeds.join(' / ')}`, 'mean ± sd', ...others, 'front'],
    colAligns: ['right', 'left', 'right', 'right', ...others.map(() => 'right' as const), 'left'],
    style: { head: [], border: [] },
  });
  const pct = (v: number) => (100 * v).toFixed(2);
  confirmed.networks.forEach((n, i) =>
    table.push([
      i + 1,
      operatorString(n.operators),
      n.accuracies.map(pct).join(' / '),
      n.sd === null ? pct(n.mean) : `${pct(n.mean)} ± ${pct(n.sd)}`,
      ...others.map((o) => (n.objectives[o] ?? NaN).toLocaleString('en-US')),
      n.onFront ? '*' : '',
    ]),
  );
  const kept = confirmed.networks.filter((n) => n.onFront).length;
  return `confirmed over ${count(confirmed.seeds.length, 'seed')}: ${kept} of ${count(confirmed.networks.length, 'network')} on the front of the mean accuracies (*)\n${table.toString()}`;
}

/**
 * The progress bar's tail for running searches: a search is one job for however long its trainings
 * take, so without this the bar would stand still at "1 running" for the whole search.
 * E.g. ` · search acc: 5/12 evaluated, front 3` or ` · search acc: confirming 3/8 trainings`.
 */
export function describeRunningSearches(searches: readonly RunningSearch[] | undefined): string {
  return (searches ?? []).map((s) => ` · ${describeSearch(s)}`).join('');
}

/** One running search, as the bar and `campaign status` say it: `search acc: 5/12 evaluated, front 3`. */
export function describeSearch(s: RunningSearch): string {
  const doing =
    s.status === 'starting'
      ? 'starting'
      : s.confirmations
        ? `confirming ${s.confirmations.done}/${s.confirmations.total} trainings`
        : `${s.evaluations}/${s.budget} evaluated${s.generation > 0 ? `, front ${s.front}` : ''}`;
  return `search ${s.name}: ${doing}`;
}

export function registerCampaignCommands(program: Command): void {
  const campaign = program.command('campaign').description('experiment campaigns: run a spec through Temporal, inspect and move results');

  campaign
    .command('run')
    .description('submit a campaign spec (YAML/JSON), follow it with a progress bar, print a summary')
    .argument('<spec>', 'campaign spec file')
    .option('--force', 'recompute jobs whose results already exist')
    .option('--concurrency <n>', 'jobs at once (overrides the spec)')
    .option('--detach', 'submit and return without following')
    .option('--paper-table <RxC>', 'after the run, print the paper table for this array from the stored results')
    .option('--json', 'print one JSON document: {"campaignId","status","jobs":{"total","completed","failed","reused"}}')
    .action(
      async (file: string, options: { force?: boolean; concurrency?: string; detach?: boolean; paperTable?: string; json?: boolean }) => {
        // Validate everything before anything starts: a bad spec creates nothing.
        const spec = parseSpecText(readFile(file, 'spec'), file);
        normaliseSpec(spec);
        const concurrency = options.concurrency ? parsePositiveInt('--concurrency', options.concurrency) : undefined;
        const paperArray = options.paperTable ? parseArray(options.paperTable, '--paper-table') : undefined;
        await withContext('run', async (ctx) => {
          // Detached from a stack of this command's own, the campaign would stop with the command.
          if (options.detach && ctx.stack && ctx.apiUrl)
            throw new UsageError(
              '--detach',
              'needs a stack that outlives this command: start `fuselab up` first (or set TEMPORAL_ADDRESS and DATABASE_URL for workers); nothing was submitted',
            );
          const started = new Date();
          const submitted = await ctx.service.submit(spec, { force: options.force ?? false, ...(concurrency ? { concurrency } : {}) });
          if (!options.json)
            process.stderr.write(
              `campaign ${submitted.campaignId}: ${count(submitted.total, 'job')} submitted${ctx.apiUrl ? ` (API ${ctx.apiUrl})` : ''}\n`,
            );
          if (options.detach) {
            if (options.json)
              printJson({
                campaignId: submitted.campaignId,
                status: 'running',
                jobs: { total: submitted.total, completed: 0, failed: 0, reused: 0 },
              });
            return;
          }
          const { follow, outcomeOf } = await serviceModule();
          const bar = progressBar(
            '[{bar}] {percentage}% {value}/{total} jobs · {completed} completed · {reused} reused · {failed} failed · {running} running · {queued} queued · {status}{searches}',
          );
          const show = (p: CampaignProgress) =>
            bar.update(p.completed + p.failed + p.reused + p.cancelled, p.total, {
              completed: p.completed,
              reused: p.reused,
              failed: p.failed,
              running: p.running,
              queued: p.queued ?? 0,
              status: p.status,
              searches: describeRunningSearches(p.searches),
            });
          let final: CampaignProgress;
          try {
            final = await follow(ctx.service, submitted.campaignId, show);
            show(final);
          } finally {
            bar.stop();
          }
          const outcome: CampaignOutcome = outcomeOf(final);
          if (options.json) {
            printJson(outcome);
          } else {
            const lines = [
              `campaign ${outcome.campaignId}: ${outcome.status} — ${count(outcome.jobs.total, 'job')}: ${outcome.jobs.completed} completed, ${outcome.jobs.reused} reused, ${outcome.jobs.failed} failed`,
            ];
            if (outcome.jobs.reused > 0)
              lines.push(`reused ${count(outcome.jobs.reused, 'finished job')} from earlier runs (--force recomputes them)`);
            printText(lines.join('\n'));
            if (paperArray) {
              const results = await ctx.service.results({ campaignId: outcome.campaignId });
              for (const table of await paperTables(results, paperArray.rows, paperArray.cols)) printText(renderPaperTable(table));
            }
            const searched = await ctx.service.searchResults(outcome.campaignId);
            if (searched.length > 0) printText(renderSearchFronts(searched));
            const trained = await ctx.service.trainingResults(outcome.campaignId);
            if (trained.length > 0) {
              const table = new Table({
                head: ['training', 'network', 'variant', 'method', 'width', 'epochs', 'seed', 'test accuracy', 'train img/s', 'backend'],
                style: { head: [], border: [] },
              });
              for (const r of trained)
                table.push([
                  r.dataset,
                  r.network,
                  r.variant,
                  r.method,
                  r.width,
                  r.epochs,
                  r.seed,
                  r.testAccuracy === null ? '—' : `${(r.testAccuracy * 100).toFixed(2)}%`,
                  r.trainImagesPerSec.toFixed(0),
                  r.backend,
                ]);
              printText(table.toString());
            }
          }
          if (outcome.status !== 'completed') process.exitCode = 1;
          // This command's own embedded stack also runs what others submitted through its API
          // meanwhile (another `campaign run` finds it by .fuselab/stack.json): stay up for them.
          if (ctx.stack?.api) {
            const { waitForCampaignsSince, waitForQuiet } = await import('../../campaigns/progress-watch.js');
            await waitForCampaignsSince(ctx.service, started, submitted.campaignId, (ids) =>
              process.stderr.write(
                `keeping this command's stack up for ${count(ids.length, 'campaign')} submitted through its API and still running: ${ids.join(', ')} (Ctrl-C stops the stack; campaigns are kept)\n`,
              ),
            );
            // Their followers poll every 400 ms, then read the results: the database says "ended"
            // before they have (or ended before this command's own campaign did). CI once saw a
            // follower on a loaded machine cut off between the end and its last poll (exit 2), so
            // stay until the API has had no request for 15 s; one nobody called closes at once.
            await waitForQuiet(ctx.stack.api.lastActivity, 15_000, 120_000);
          }
        });
      },
    );

  campaign
    .command('list')
    .description('campaigns, newest first')
    .option('--json', 'print one JSON document')
    .action(async (options: { json?: boolean }) => {
      await withContext('read', async (ctx) => {
        const campaigns = await ctx.service.list();
        if (options.json) return printJson(campaigns);
        if (campaigns.length === 0) return printText('no campaigns yet');
        const table = new Table({
          head: ['campaign', 'status', 'jobs', 'completed', 'reused', 'failed', 'created'],
          style: { head: [], border: [] },
        });
        for (const c of campaigns)
          table.push([c.campaignId, c.status, c.jobs.total, c.jobs.completed, c.jobs.reused, c.jobs.failed, c.createdAt]);
        printText(table.toString());
      });
    });

  campaign
    .command('status')
    .description('a campaign: status, job counts, spec hash, versions')
    .argument('<id>')
    .option('--json', 'print one JSON document')
    .action(async (id: string, options: { json?: boolean }) => {
      await withContext('read', async (ctx) => {
        const detail = await ctx.service.get(id);
        const progress = await ctx.service.progress(id);
        if (options.json) return printJson({ ...detail, progress });
        printText(
          [
            `campaign ${detail.campaignId} (${detail.name}): ${detail.status}`,
            `jobs: ${progress.total} total, ${progress.completed} completed, ${progress.reused} reused, ${progress.failed} failed, ${progress.running} running, ${progress.queued ?? 0} queued, ${progress.cancelled} cancelled`,
            ...(progress.searches ?? []).map(describeSearch),
            `spec hash ${detail.specHash}`,
            `code ${detail.codeVersion}; created ${detail.createdAt}${detail.finishedAt ? `, finished ${detail.finishedAt}` : ''}`,
            ...(detail.error ? [`error: ${detail.error}`] : []),
          ].join('\n'),
        );
      });
    });

  campaign
    .command('cancel')
    .description('cancel a running campaign (its finished jobs keep their results)')
    .argument('<id>')
    .option('--json', 'print one JSON document')
    .action(async (id: string, options: { json?: boolean }) => {
      await withContext('control', async (ctx) => {
        const result = await ctx.service.cancel(id);
        if (options.json) printJson(result);
        else printText(`campaign ${result.campaignId}: ${result.status}`);
      });
    });

  campaign
    .command('results')
    .description("a campaign's simulation results")
    .argument('<id>')
    .option('--network <name>')
    .option('--variant <name>')
    .option('--array <RxC>')
    .option('--model <name>')
    .option('--hardware <kind>')
    .option('--layers', 'include per-layer rows (JSON only)')
    .option('--paper-table <RxC>', 'render the paper table for this array from the stored results')
    .option('--json', 'print one JSON document')
    .option(
      '--searches',
      "the campaign's search fronts instead (--json: [{jobKey,name,strategy,evaluations,front:[{key,operators,objectives}]…}])",
    )
    .action(
      async (
        id: string,
        options: {
          network?: string;
          variant?: string;
          array?: string;
          model?: string;
          hardware?: string;
          layers?: boolean;
          paperTable?: string;
          searches?: boolean;
          json?: boolean;
        },
      ) => {
        const array = options.array ? parseArray(options.array) : undefined;
        const paperArray = options.paperTable ? parseArray(options.paperTable, '--paper-table') : undefined;
        const model = options.model ? parseModel(options.model) : undefined;
        await withContext('read', async (ctx) => {
          await ctx.service.get(id);
          if (options.searches) {
            const searched = await ctx.service.searchResults(id);
            if (options.json) return printJson(searched);
            return printText(searched.length ? renderSearchFronts(searched) : `no finished searches in campaign ${id}`);
          }
          const results = await ctx.service.results(
            {
              campaignId: id,
              ...(options.network ? { network: options.network } : {}),
              ...(options.variant ? { variant: options.variant } : {}),
              ...(array ? { rows: array.rows, cols: array.cols } : {}),
              ...(model ? { model } : {}),
              ...(options.hardware ? { hardware: options.hardware } : {}),
            },
            Boolean(options.layers),
          );
          if (paperArray) {
            const tables = await paperTables(results, paperArray.rows, paperArray.cols, model ?? 'reference');
            if (options.json) return printJson(tables);
            return printText(
              tables.map(renderPaperTable).join('\n') ||
                `no baseline results for a ${paperArray.rows}x${paperArray.cols} array in campaign ${id}`,
            );
          }
          if (options.json) return printJson(results);
          const table = new Table({
            head: ['network', 'variant', 'array', 'model', 'hardware', 'cycles'],
            colAligns: ['left', 'left', 'left', 'left', 'left', 'right'],
            style: { head: [], border: [] },
          });
          for (const r of results)
            table.push([r.network, r.variant, `${r.rows}x${r.cols}`, r.model, r.hardware, r.totalCycles.toLocaleString('en-US')]);
          printText(`${table.toString()}\n${results.length} results`);
          const searched = await ctx.service.searchResults(id);
          if (searched.length > 0) printText(renderSearchFronts(searched));
        });
      },
    );

  campaign
    .command('export')
    .description('write the spec, versions, jobs and all results of a campaign to one JSON file')
    .argument('<id>')
    .option('-o, --out <file>', 'output file ("-" for stdout; a name ending in .gz is written gzip-compressed)', '')
    .option(
      '--no-checkpoints',
      'leave out the training checkpoints (they can be large; an import then cannot resume or reuse the trained models)',
    )
    .action(async (id: string, options: { out: string; checkpoints: boolean }) => {
      await withContext('read', async (ctx) => {
        const doc = await ctx.service.exportCampaign(id, { checkpoints: options.checkpoints });
        const out = options.out || `${id}.fuselab.json`;
        if (out === '-') return printJson(doc);
        const text = `${JSON.stringify(doc)}\n`;
        // Per-step metrics make most of a training campaign's file and compress ~15×.
        writeWhole(out, out.endsWith('.gz') ? gzipSync(text) : Buffer.from(text, 'utf8'));
        const parts = [
          count(doc.jobs.length, 'job'),
          count(doc.simResults.length, 'simulation result'),
          count(doc.searchResults.length, 'search result'),
          count(doc.trainingResults.length, 'training result'),
          count(doc.trainingMetrics.length, 'training metric'),
          doc.checkpointsIncluded ? count(doc.checkpoints.length, 'checkpoint') : 'checkpoints left out',
        ];
        process.stderr.write(`wrote ${out}: ${parts.join(', ')}\n`);
      });
    });

  registerCheckpointCommand(campaign, withContext);

  campaign
    .command('import')
    .description('load a file written by `campaign export`, plain or gzip-compressed (rows already present are kept)')
    .argument('<file>')
    .option('--json', 'print one JSON document')
    .action(async (file: string, options: { json?: boolean }) => {
      let doc: unknown;
      try {
        doc = JSON.parse(readExportFile(file));
      } catch (error) {
        if (error instanceof SpecError) throw error;
        throw new SpecError(`export file ${file}`, `not valid JSON (${(error as Error).message})`);
      }
      await withContext('read', async (ctx) => {
        const imported = await ctx.service.importCampaign(doc);
        if (options.json) printJson(imported);
        else
          printText(
            `imported campaign ${imported.campaignId}: ${[count(imported.jobs, 'job'), count(imported.simResults, 'simulation result'), count(imported.searchResults, 'search result'), count(imported.trainingResults, 'training result'), count(imported.trainingMetrics, 'training metric'), count(imported.checkpoints, 'checkpoint')].join(', ')}`,
          );
      });
    });
}
