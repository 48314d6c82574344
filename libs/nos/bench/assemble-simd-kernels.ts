/** Assembles src/backend/simd/kernels.wat to a validated wasm binary with WABT (the `wabt` package). */
import { readFileSync } from 'node:fs';
import initWabt from 'wabt';

export async function assembleSimdKernels(): Promise<Uint8Array> {
  const wabt = await initWabt();
  const wat = readFileSync(new URL('../src/backend/simd/kernels.wat', import.meta.url), 'utf8');
  const { buffer } = wabt.parseWat('kernels.wat', wat, { simd: true }).toBinary({});
  // The project's TypeScript lib has no WebAssembly typings (no DOM); Node has the global.
  const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } };
  if (!wasm.validate(buffer)) throw new Error('assembled module does not validate');
  return buffer;
}
