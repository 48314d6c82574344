/** Description of a systolic array: geometry, dataflow, on-chip memory and the ST-OS extension. */

export type Dataflow = 'os' | 'ws' | 'is';

/**
 * `plain`: a conventional systolic array; depthwise and 1-D depthwise layers map as one GEMM per
 * channel. `fuse`: the array extended with the ST-OS mapping, which runs independent 1-D
 * convolutions on its rows (FuSeConv's hardware).
 */
export type Hardware = 'plain' | 'fuse';

export interface ArrayConfig {
  rows: number;
  cols: number;
  dataflow: Dataflow;
  /** Whether the ST-OS extension for 1-D convolutions is present. */
  hardware: Hardware;
  /** SRAM sizes in KiB (SCALE-Sim's units). */
  ifmapSramKB: number;
  filterSramKB: number;
  ofmapSramKB: number;
  /** DRAM interface bandwidth in words per cycle. */
  bandwidth: number;
  /** Bytes per word (SCALE-Sim assumes 1). */
  wordBytes: number;
}

export const DEFAULT_ARRAY: Omit<ArrayConfig, 'rows' | 'cols'> = {
  dataflow: 'os',
  hardware: 'plain',
  ifmapSramKB: 6144,
  filterSramKB: 6144,
  ofmapSramKB: 2048,
  bandwidth: 10,
  wordBytes: 1,
};

export function makeArray(rows: number, cols: number, overrides: Partial<ArrayConfig> = {}): ArrayConfig {
  const config: ArrayConfig = { ...DEFAULT_ARRAY, rows, cols, ...overrides };
  validateArray(config);
  return config;
}

export class InvalidArrayError extends Error {
  override name = 'InvalidArrayError';
}

export function validateArray(config: ArrayConfig): void {
  for (const field of ['rows', 'cols'] as const) {
    const value = config[field];
    if (!Number.isInteger(value) || value <= 0) {
      throw new InvalidArrayError(`array ${field} must be a positive integer, got ${value}`);
    }
  }
}

/** Parses "64x64" / "32X16" / "64" (square) into rows and cols. */
export function parseArraySize(text: string): { rows: number; cols: number } {
  const match = /^\s*(\d+)\s*(?:[xX×]\s*(\d+))?\s*$/.exec(text);
  if (!match) throw new InvalidArrayError(`array size must look like RxC (e.g. 64x64), got "${text}"`);
  const rows = Number(match[1]);
  const cols = Number(match[2] ?? match[1]);
  if (rows <= 0 || cols <= 0) {
    throw new InvalidArrayError(`array size must have positive rows and cols, got "${text}"`);
  }
  return { rows, cols };
}
