/**
 * `fuselab campaign checkpoint <id> [key]`: a campaign's trained networks as checkpoint files.
 * Without a key it lists the campaign's finished trainings (campaign jobs and search candidates)
 * with their keys; with one it writes that training's checkpoint, the file `fuselab train` writes,
 * to use as a `--teacher`, in a spec's `teacher: { checkpoint }`, or with libs/nos.
 */
import type { Command } from 'commander';
import Table from 'cli-table3';
import { SpecError } from '../../campaigns/validation.js';
import type { CommandContext } from '../../embedded/stack.js';
import { printJson, printText } from '../output.js';
import { writeWhole } from '../write-whole.js';

type WithContext = <T>(purpose: 'read', body: (ctx: CommandContext) => Promise<T>) => Promise<T>;

/** `writeWhole`, a failure named as the `--out` file. */
function writeOut(path: string, bytes: Uint8Array): void {
  try {
    writeWhole(path, bytes);
  } catch (error) {
    throw new SpecError(`--out ${path}`, `cannot write it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

const percent = (accuracy: number | null) => (accuracy === null ? '—' : `${(accuracy * 100).toFixed(2)} %`);

export function registerCheckpointCommand(campaign: Command, withContext: WithContext): void {
  campaign
    .command('checkpoint')
    .description(
      "a campaign's trained networks: without KEY, its finished trainings and their keys; with KEY (a key's first 6+ hex digits), that training's checkpoint as a file (the one `fuselab train` writes: a --teacher, or a spec's teacher: {checkpoint})",
    )
    .argument('<id>', 'the campaign')
    .argument('[key]', "the training's job key, or its first 6 or more hex digits")
    .option(
      '-o, --out <file>',
      'where to write the checkpoint (default: NETWORK-VARIANT-METHOD-wWIDTH-DATASET-sSEED-KEY8.ckpt.json.gz here)',
    )
    .option('--json', 'print one JSON document')
    .action(async (id: string, key: string | undefined, options: { out?: string; json?: boolean }) => {
      await withContext('read', async (ctx) => {
        if (key === undefined) {
          if (options.out) throw new SpecError('--out', 'needs a training key: list them with `fuselab campaign checkpoint ID`');
          await ctx.service.get(id);
          const trainings = await ctx.service.trainingResults(id);
          if (options.json)
            return printJson(
              trainings.map((t) => ({
                jobKey: t.jobKey,
                network: t.network,
                variant: t.variant,
                operators: t.operators,
                method: t.method,
                width: t.width,
                epochs: t.epochs,
                seed: t.seed,
                testAccuracy: t.testAccuracy,
              })),
            );
          if (trainings.length === 0) return printText(`campaign ${id} has no finished training`);
          const table = new Table({
            head: ['key', 'network', 'variant', 'method', 'width', 'epochs', 'seed', 'test accuracy'],
            colAligns: ['left', 'left', 'left', 'left', 'right', 'right', 'right', 'right'],
            style: { head: [], border: [] },
          });
          for (const t of trainings)
            table.push([t.jobKey.slice(0, 12), t.network, t.variant, t.method, t.width, t.epochs, t.seed, percent(t.testAccuracy)]);
          return printText(`${table.toString()}\nfuselab campaign checkpoint ${id} KEY writes one as a file`);
        }
        const found = await ctx.service.trainedCheckpoint(id, key);
        const out = options.out || found.fileName;
        writeOut(out, found.bytes);
        if (options.json)
          return printJson({ file: out, jobKey: found.jobKey, testAccuracy: found.testAccuracy, bytes: found.bytes.length });
        process.stderr.write(`wrote ${out}: training ${found.jobKey.slice(0, 12)}, test accuracy ${percent(found.testAccuracy)}\n`);
      });
    });
}
