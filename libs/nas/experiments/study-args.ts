/**
 * The study tables' command line: their files, and `--seeds 1,2` to count only those seeds' results
 * (e.g. the seeds complete so far while a later one is still training); without it every seed the
 * campaign's training jobs name is required of each network.
 */
import { parseArgs } from 'node:util';

export function studyArgs(usage: string, minFiles: number): { files: string[]; seeds?: number[] } {
  const fail = (message: string): never => {
    process.stderr.write(`${message}\nusage: ${usage}\n`);
    process.exit(2);
  };
  let parsed: { values: { seeds?: string }; positionals: string[] };
  try {
    parsed = parseArgs({ allowPositionals: true, options: { seeds: { type: 'string' } } });
  } catch (error) {
    return fail((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length < minFiles) fail(`expected at least ${minFiles} files, got ${positionals.length}`);
  if (values.seeds === undefined) return { files: positionals };
  const seeds = values.seeds.split(',').map(Number);
  if (seeds.some((s) => !Number.isInteger(s) || s < 0)) fail(`--seeds: expected comma-separated seeds (integers), got "${values.seeds}"`);
  return { files: positionals, seeds };
}

/** The seeds a table requires of each network: `--seeds`, else every seed of the campaign's training jobs. */
export function seedsOf(jobs: ReadonlyArray<{ kind: string; params: { seed?: number } }>, chosen?: number[]): number[] {
  return chosen ?? [...new Set(jobs.filter((j) => j.kind === 'train').map((j) => j.params.seed!))].sort((a, b) => a - b);
}
