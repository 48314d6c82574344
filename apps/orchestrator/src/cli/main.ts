/**
 * The `fuselab` command line. Results go to stdout (one JSON document with --json); logs and
 * errors go to stderr. Bad input exits with status 2 and one line naming the problem.
 */
import { Command, CommanderError } from 'commander';
import { InputError } from '@fuselab/systolic-sim';
import { InvalidSpecError } from '@fuselab/fuseconv';
import { NasInputError } from '@fuselab/nas';
import { registerModelCommands } from './commands/model.js';
import { registerSimCommands } from './commands/sim.js';
import { registerTableCommand } from './commands/table.js';
import { registerCampaignCommands } from './commands/campaign.js';
import { registerUpCommand } from './commands/up.js';
import { registerWorkerCommand } from './commands/worker.js';
import { registerSearchCommand } from './commands/search.js';
import { registerTrainCommand } from './commands/train.js';
import { registerScoreCommand } from './commands/score.js';
import { isOrchestratorInputError } from '../campaigns/errors.js';
import { createLogger } from './logger.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './usage-error.js';

export function buildProgram(): Command {
  const program = new Command('fuselab')
    .description('Reproducible experiment campaigns on FuSeConv: simulate, train and search on systolic arrays.')
    .version('0.1.0')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => process.stdout.write(text),
      writeErr: (text) => process.stderr.write(text),
      outputError: () => {
        /* printed once by main() */
      },
    });
  registerModelCommands(program);
  registerSimCommands(program);
  registerTableCommand(program);
  registerCampaignCommands(program);
  registerUpCommand(program);
  registerWorkerCommand(program);
  registerSearchCommand(program);
  registerTrainCommand(program);
  registerScoreCommand(program);
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}

function isBadInput(error: unknown): error is Error {
  return error instanceof UsageError || error instanceof InputError || error instanceof InvalidSpecError || error instanceof NasInputError || isOrchestratorInputError(error);
}

/** Runs the CLI and returns the exit status (the caller sets process.exitCode). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT_OK;
      process.stderr.write(`fuselab: ${error.message.replace(/^error: /, '')}\n`);
      return EXIT_USAGE;
    }
    if (isBadInput(error)) {
      process.stderr.write(`fuselab: ${error.message}\n`);
      return EXIT_USAGE;
    }
    createLogger('error').error({ err: error }, 'fuselab failed');
    return EXIT_FAILURE;
  }
}
