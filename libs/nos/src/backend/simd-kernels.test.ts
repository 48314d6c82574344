import { describe, expect, it } from 'vitest';
import { assembleSimdKernels } from '../../bench/assemble-simd-kernels.js';
import { SIMD_KERNELS_WASM_BASE64 } from './simd-kernels.js';

describe('committed SIMD kernels', () => {
  it('are exactly the assembly of simd/kernels.wat (regenerate with bench/gen-simd-kernels.ts)', async () => {
    const assembled = Buffer.from(await assembleSimdKernels()).toString('base64');
    expect(SIMD_KERNELS_WASM_BASE64).toBe(assembled);
  });
});
