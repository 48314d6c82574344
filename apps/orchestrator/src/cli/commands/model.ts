import type { Command } from 'commander';
import { NETWORKS, VARIANTS } from '@fuselab/fuseconv';
import { printJson, printText } from '../output.js';
import { parseNetwork, parsePositiveInt, parsePositiveNumber, parseStem, parseVariant, STEM_HELP } from '../options.js';
import { variantStats } from '../../sim/variant-simulation.js';

export function registerModelCommands(program: Command): void {
  const model = program.command('model').description('network specifications: parameters and MACs');
  model
    .command('stats')
    .description('parameters and multiply-accumulates of a network variant')
    .requiredOption('--network <name>', NETWORKS.join(' | '))
    .requiredOption('--variant <name>', VARIANTS.join(' | '))
    .option('--input <size>', 'input image size', '224')
    .option('--classes <count>', 'number of classes', '1000')
    .option('--width <multiplier>', 'width multiplier', '1')
    .option('--stem <name>', STEM_HELP)
    .option('--json', 'print one JSON document')
    .action(
      (options: { network: string; variant: string; input: string; classes: string; width: string; stem?: string; json?: boolean }) => {
        const network = parseNetwork(options.network);
        const variant = parseVariant(options.variant);
        const inputSize = parsePositiveInt('--input', options.input);
        const numClasses = parsePositiveInt('--classes', options.classes);
        const width = parsePositiveNumber('--width', options.width);
        const stem = options.stem !== undefined ? parseStem(options.stem) : undefined;
        const stats = variantStats(network, variant, { inputSize, numClasses, width, ...(stem ? { stem } : {}) });
        const result = {
          network,
          variant,
          params: stats.params,
          macs: stats.macs,
          unusedParams: stats.unusedParams,
          input: inputSize,
          classes: numClasses,
          width,
          stem: stats.stem,
        };
        if (options.json) printJson(result);
        else {
          printText(
            `${network} ${variant} (input ${inputSize}, ${numClasses} classes, width ${width}, ${result.stem} stem):\n` +
              `  params ${result.params.toLocaleString('en-US')} (${(result.params / 1e6).toFixed(2)} M` +
              (result.unusedParams > 0
                ? `, of which ${result.unusedParams.toLocaleString('en-US')} in layers the reference builds but never calls)`
                : ')') +
              `\n  MACs   ${result.macs.toLocaleString('en-US')} (${(result.macs / 1e6).toFixed(1)} M)`,
          );
        }
      },
    );
}
