/** Files the CLI writes for the user (checkpoints, supernets, exports): whole, or not at all. */
import { renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Writes `bytes` to `path` through `path.partial`, then renames it: a write that fails part-way
 * leaves no truncated file under `path` (nor the partial one). Errors are rethrown as they came.
 */
export function writeWhole(path: string, bytes: Uint8Array): void {
  const partial = `${path}.partial`;
  try {
    writeFileSync(partial, bytes);
    renameSync(partial, path);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}
