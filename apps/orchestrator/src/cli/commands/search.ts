import type { Command } from 'commander';
import { BLOCK_OPERATORS, NETWORKS } from '@fuselab/fuseconv';
import { TIMING_MODELS } from '@fuselab/systolic-sim';
import {
  DEFAULT_EXHAUSTIVE_LIMIT,
  NasInputError,
  OBJECTIVES,
  runSearch,
  searchSummary,
  SPACE_KINDS,
  STRATEGIES,
  type SearchProgress,
} from '@fuselab/nas';
import { printJson, printText } from '../output.js';
import { oneOf, parseArray, parseList, parseModel, parseNetwork, parsePositiveInt, parsePositiveNumber } from '../options.js';
import { progressBar } from '../progress.js';
import { UsageError } from '../usage-error.js';

interface SearchFlags {
  network: string;
  space: string;
  operators: string;
  array: string;
  strategy: string;
  objectives: string;
  budget?: string;
  seed: string;
  model: string;
  population?: string;
  exhaustiveLimit: string;
  speedup?: string;
  maxLatency?: string;
  json?: boolean;
}

export function registerSearchCommand(program: Command): void {
  program
    .command('search')
    .description('search per-block/per-stage FuSe operators (and arrays) for Pareto-optimal networks')
    .requiredOption('--network <name>', NETWORKS.join(' | '))
    .requiredOption('--space <kind>', SPACE_KINDS.join(' | '))
    .option('--operators <list>', `comma list of ${BLOCK_OPERATORS.join(', ')}`, BLOCK_OPERATORS.join(','))
    .option('--array <RxC>', 'array size(s): 64x64, or a comma list (16,32,64) to co-design the array', '64x64')
    .requiredOption('--strategy <name>', STRATEGIES.join(' | '))
    .requiredOption(
      '--objectives <list>',
      `comma list of ${OBJECTIVES.join(', ')} (all minimised; synflow and accuracy are reported negated)`,
    )
    .option('--budget <n>', 'number of evaluations (default 100; exhaustive: the whole space)')
    .option('--seed <n>', 'seed of the strategy', '0')
    .option('--model <name>', TIMING_MODELS.join(' | '), 'reference')
    .option('--population <n>', 'population size of evolution and nsga2 (default 16)')
    .option('--exhaustive-limit <n>', 'largest space exhaustive search enumerates', String(DEFAULT_EXHAUSTIVE_LIMIT))
    .option('--speedup <x>', 'keep networks at least this many times faster than the all-dw network on the same array')
    .option('--max-latency <cycles>', 'keep networks of at most this many cycles')
    .option('--json', 'print one JSON document')
    .action(async (flags: SearchFlags) => {
      const network = parseNetwork(flags.network);
      const space = oneOf('--space', flags.space, SPACE_KINDS, 'search space');
      const operators = parseList('--operators', flags.operators, BLOCK_OPERATORS, 'block operator');
      const arrays = flags.array.split(',').map((item) => {
        if (item.trim() === '') throw new UsageError('--array', `empty item in "${flags.array}"`);
        return parseArray(item.trim());
      });
      const strategy = oneOf('--strategy', flags.strategy, STRATEGIES, 'strategy');
      const objectives = parseList('--objectives', flags.objectives, OBJECTIVES, 'objective');
      if (objectives.includes('accuracy')) {
        throw new UsageError(
          '--objectives',
          'accuracy needs a trained evaluator, which the CLI does not provide yet; use latency, params, macs, area or synflow',
        );
      }
      const budget = flags.budget !== undefined ? parsePositiveInt('--budget', flags.budget) : undefined;
      if (!/^\s*\d+\s*$/.test(flags.seed)) throw new UsageError('--seed', `expected a non-negative integer, got "${flags.seed}"`);
      const seed = Number(flags.seed);
      const model = parseModel(flags.model);
      const populationSize = flags.population !== undefined ? parsePositiveInt('--population', flags.population) : undefined;
      if (populationSize !== undefined && populationSize < 2)
        throw new UsageError('--population', `expected an integer ≥ 2, got "${flags.population}"`);
      const exhaustiveLimit = parsePositiveInt('--exhaustive-limit', flags.exhaustiveLimit);
      const constraints = {
        ...(flags.speedup !== undefined ? { speedup: parsePositiveNumber('--speedup', flags.speedup) } : {}),
        ...(flags.maxLatency !== undefined ? { latency: parsePositiveInt('--max-latency', flags.maxLatency) } : {}),
      };

      const bar = progressBar('[{bar}] {value}/{total} evaluations · front {front}');
      let result;
      try {
        result = await runSearch(
          {
            network,
            space,
            operators,
            arrays,
            strategy,
            objectives,
            seed,
            model,
            exhaustiveLimit,
            constraints,
            ...(budget !== undefined ? { budget } : {}),
            ...(populationSize !== undefined ? { populationSize } : {}),
          },
          { onProgress: (p: SearchProgress) => bar.update(Math.min(p.evaluations, p.budget), p.budget, { front: p.front }) },
        );
      } catch (error) {
        if (error instanceof NasInputError) {
          const hint = error.field === 'space' && strategy === 'exhaustive' ? ', or raise --exhaustive-limit' : '';
          throw new UsageError(`--${flagOf(error.field)}`, `${error.problem}${hint}`);
        }
        throw error;
      } finally {
        bar.stop();
      }
      const summary = searchSummary(result);
      if (flags.json) {
        printJson(summary);
        return;
      }
      const names = result.objectives;
      printText(
        [
          `${network} ${space} space, ${strategy}: ${summary.evaluations} evaluations, ${summary.front.length} on the Pareto front (${names.join(', ')}; minimised)` +
            (result.infeasible ? `; ${result.infeasible} asked networks missed the constraints and were not evaluated` : ''),
          ...summary.front.map((e) => {
            const key = result.front.find((f) => f.operators === e.operators)?.key ?? '';
            return `  ${key.padEnd(24)} ${names.map((n) => `${n}=${e.objectives[n]}`).join('  ')}`;
          }),
        ].join('\n'),
      );
    });
}

/** The CLI flag behind a library option name. */
function flagOf(field: string): string {
  const base = field.replace(/\[.*$/, '').replace(/\..*$/, '');
  if (base === 'arrays' || base === 'hardware') return 'array';
  if (base === 'populationSize') return 'population';
  if (field === 'constraints.speedup') return 'speedup';
  if (field === 'constraints.latency') return 'max-latency';
  return base;
}
