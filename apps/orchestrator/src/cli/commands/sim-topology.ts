import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseScaleSimConfig, parseScaleSimTopologyCsv, simulateScaleSimTopology, type ScaleSimLayerResult } from '@fuselab/systolic-sim';
import { printJson, printText } from '../output.js';
import { UsageError } from '../usage-error.js';

function readInputFile(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(flag, `cannot read "${path}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** `fuselab sim topology`: SCALE-Sim's own input files through the SCALE-Sim-compatible model. */
export function registerSimTopologyCommand(sim: Command): void {
  sim
    .command('topology')
    .description('run SCALE-Sim topology and config files through the SCALE-Sim-compatible model')
    .requiredOption('--topology <file.csv>', 'SCALE-Sim topology CSV')
    .requiredOption('--config <file.cfg>', 'SCALE-Sim config file')
    .option('--json', 'print one JSON document')
    .action((options: { topology: string; config: string; json?: boolean }) => {
      const topology = parseScaleSimTopologyCsv(readInputFile('--topology', options.topology), options.topology);
      const config = parseScaleSimConfig(readInputFile('--config', options.config));
      const result = simulateScaleSimTopology(topology, config);
      if (options.json) printJson({ layers: result.layers });
      else {
        printText(
          result.layers
            .map(
              (l: ScaleSimLayerResult) =>
                `${l.name.padEnd(20)} cycles ${String(l.totalCycles).padStart(10)}  stalls ${String(l.stallCycles).padStart(8)}  util ${l.overallUtil.toFixed(2)}%  mapping ${l.mappingEfficiency.toFixed(2)}%`,
            )
            .join('\n'),
        );
      }
    });
}
