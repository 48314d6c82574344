/**
 * The `fuselab` command line. Results go to stdout (one JSON document with --json); logs and
 * errors go to stderr. Bad input exits with status 2 and one line naming the problem.
 *
 * Each command's module is imported only when that command runs (or for the help, which lists
 * them all): `fuselab sim sweep` and `fuselab table` then never load Temporal, the database
 * drivers, express or tfjs, and start in a fraction of the time.
 */
import { Command, CommanderError } from 'commander';
import { cliExitCode, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../errors/input-errors.js';

type Register = (program: Command) => void;

/** Top-level command → the module that defines it (and its subcommands). */
const COMMANDS: Record<string, () => Promise<Register>> = {
  model: async () => (await import('./commands/model.js')).registerModelCommands,
  sim: async () => (await import('./commands/sim.js')).registerSimCommands,
  table: async () => (await import('./commands/table.js')).registerTableCommand,
  campaign: async () => (await import('./commands/campaign.js')).registerCampaignCommands,
  up: async () => (await import('./commands/up.js')).registerUpCommand,
  worker: async () => (await import('./commands/worker.js')).registerWorkerCommand,
  search: async () => (await import('./commands/search.js')).registerSearchCommand,
  train: async () => (await import('./commands/train.js')).registerTrainCommand,
  score: async () => (await import('./commands/score.js')).registerScoreCommand,
  supernet: async () => (await import('./commands/supernet.js')).registerSupernetCommand,
};

/** The command named on the command line, if it is one of ours (else every command is loaded). */
function commandNamed(argv: readonly string[]): string | undefined {
  const name = argv.slice(2).find((arg) => !arg.startsWith('-'));
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? name : undefined;
}

/** The program with the commands `argv` needs: the one it names, or all (help, unknown command). */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
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
  const named = commandNamed(argv);
  const wanted = named !== undefined ? [named] : Object.keys(COMMANDS);
  const registers = await Promise.all(wanted.map((name) => COMMANDS[name]!()));
  for (const register of registers) register(program);
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}

/** Runs the CLI and returns the exit status (the caller sets process.exitCode). */
export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT_OK;
      process.stderr.write(`fuselab: ${error.message.replace(/^error: /, '')}\n`);
      return EXIT_USAGE;
    }
    const status = cliExitCode(error);
    if (status === EXIT_USAGE) {
      process.stderr.write(`fuselab: ${(error as Error).message}\n`);
      return EXIT_USAGE;
    }
    const { createLogger } = await import('./logger.js');
    createLogger('error').error({ err: error }, 'fuselab failed');
    return EXIT_FAILURE;
  }
}
