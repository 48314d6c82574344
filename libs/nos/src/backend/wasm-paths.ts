import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Directory (with trailing separator) that holds the `.wasm` binaries of the installed
 * `@tensorflow/tfjs-backend-wasm` package, resolved from this module's location so the wasm backend
 * loads them from `node_modules` instead of fetching anything at run time.
 */
export function wasmBinaryDirectory(): string {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(pkgJson), 'dist') + path.sep;
}
