import type { Command } from 'commander';
import { NETWORKS, VARIANTS } from '@fuselab/fuseconv';
import { DATAFLOWS, HARDWARE_KINDS, TIMING_MODELS } from '@fuselab/systolic-sim';
import { printJson, printText } from '../output.js';
import {
  parseArray,
  parseArrayList,
  parseDataflow,
  parseHardware,
  parseList,
  parseModel,
  parseNetwork,
  parseStem,
  parseVariant,
  STEM_HELP,
} from '../options.js';
import { simulateVariant } from '../../sim/variant-simulation.js';
import { runSweep } from '../../sim/sweep.js';
import { registerSimTopologyCommand } from './sim-topology.js';

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

export function registerSimCommands(program: Command): void {
  const sim = program.command('sim').description('simulate networks and topologies on systolic arrays');

  sim
    .command('network')
    .description('cycles of every layer of a network variant on one array')
    .requiredOption('--network <name>', NETWORKS.join(' | '))
    .requiredOption('--variant <name>', VARIANTS.join(' | '))
    .requiredOption('--array <RxC>', 'array size, e.g. 64x64')
    .option('--hardware <kind>', `${HARDWARE_KINDS.join(' | ')} (default: plain for baseline, fuse for FuSe variants)`)
    .option('--model <name>', TIMING_MODELS.join(' | '), 'reference')
    .option('--dataflow <name>', `${DATAFLOWS.join(' | ')} (for the scalesim and stos models)`, 'os')
    .option('--stem <name>', `${STEM_HELP}; the input is 224×224`)
    .option('--json', 'print one JSON document')
    .action(
      (options: {
        network: string;
        variant: string;
        array: string;
        hardware?: string;
        model: string;
        dataflow: string;
        stem?: string;
        json?: boolean;
      }) => {
        const { rows, cols } = parseArray(options.array);
        const result = simulateVariant({
          network: parseNetwork(options.network),
          variant: parseVariant(options.variant),
          rows,
          cols,
          model: parseModel(options.model),
          dataflow: parseDataflow(options.dataflow),
          ...(options.hardware ? { hardware: parseHardware(options.hardware) } : {}),
          ...(options.stem !== undefined ? { stem: parseStem(options.stem) } : {}),
        });
        if (options.json) {
          printJson(result);
          return;
        }
        const lines = result.layers.map(
          (layer) =>
            `  ${layer.name.padEnd(34)} ${layer.operatorClass.padEnd(9)} ${String(layer.cycles).padStart(10)}  ${percent(layer.utilization).padStart(6)}`,
        );
        printText(
          [
            `${result.network} ${result.variant} on ${rows}x${cols} ${result.hardware} array, model ${result.model}: ${result.totalCycles.toLocaleString('en-US')} cycles`,
            ...lines,
          ].join('\n'),
        );
      },
    );

  sim
    .command('sweep')
    .description('total cycles of networks × variants × array sizes')
    .option('--networks <list>', `all or a comma list of ${NETWORKS.join(', ')}`, 'all')
    .option('--variants <list>', `all or a comma list of ${VARIANTS.join(', ')}`, 'all')
    .requiredOption('--arrays <list>', 'comma list of array sizes: 8,16,32 (square) or 16x64')
    .option('--model <name>', TIMING_MODELS.join(' | '), 'reference')
    .option('--hardware <kind>', `${HARDWARE_KINDS.join(' | ')} for every variant (default: plain for baseline, fuse for FuSe)`)
    .option('--dataflow <name>', DATAFLOWS.join(' | '), 'os')
    .option('--json', 'print one JSON document')
    .action(
      (options: {
        networks: string;
        variants: string;
        arrays: string;
        model: string;
        hardware?: string;
        dataflow: string;
        json?: boolean;
      }) => {
        const rows = runSweep({
          networks: parseList('--networks', options.networks, NETWORKS, 'network'),
          variants: parseList('--variants', options.variants, VARIANTS, 'variant'),
          arrays: parseArrayList('--arrays', options.arrays),
          model: parseModel(options.model),
          dataflow: parseDataflow(options.dataflow),
          ...(options.hardware ? { hardware: parseHardware(options.hardware) } : {}),
        });
        if (options.json) printJson(rows);
        else
          printText(
            rows
              .map(
                (row) =>
                  `${row.network.padEnd(20)} ${row.variant.padEnd(14)} ${`${row.rows}x${row.cols}`.padEnd(9)} ${row.hardware.padEnd(6)} ${row.totalCycles}`,
              )
              .join('\n'),
          );
      },
    );

  registerSimTopologyCommand(sim);
}
