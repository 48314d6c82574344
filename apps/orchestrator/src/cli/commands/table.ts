import type { Command } from 'commander';
import { NETWORKS } from '@fuselab/fuseconv';
import { TIMING_MODELS } from '@fuselab/systolic-sim';
import { printJson, printText } from '../output.js';
import { parseArray, parseModel, parseNetwork } from '../options.js';
import { paperTable, renderPaperTable } from '../../reports/paper-table.js';

export function registerTableCommand(program: Command): void {
  program
    .command('table')
    .description('the FuSeConv paper table rebuilt from first principles, beside the published figures')
    .requiredOption('--network <name>', NETWORKS.join(' | '))
    .option('--array <RxC>', 'array size', '64x64')
    .option('--model <name>', TIMING_MODELS.join(' | '), 'reference')
    .option('--json', 'print one JSON document')
    .action((options: { network: string; array: string; model: string; json?: boolean }) => {
      const { rows, cols } = parseArray(options.array);
      const table = paperTable(parseNetwork(options.network), rows, cols, parseModel(options.model));
      if (options.json) printJson(table);
      else printText(renderPaperTable(table));
    });
}
