/**
 * Runs a PyTorch peer script of a benchmark: writes `config` as JSON to a temporary file, runs
 * `python script.py FILE` from this folder, and returns the JSON of the last line it prints (the
 * scripts print their result last; anything before is progress). The file is removed afterwards.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));

export async function runPythonPeer<T>(python: string, script: string, config: unknown): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fuselab-peer-'));
  try {
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(config));
    const { stdout } = await run(python, [path.join(here, script), file], { cwd: here, maxBuffer: 1 << 20 });
    return JSON.parse(stdout.trim().split('\n').pop()!) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
