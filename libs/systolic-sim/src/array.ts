import { InvalidArrayError } from './errors.js';

/** Description of a systolic array: geometry, dataflow, on-chip memory and the ST-OS extension. */

/** How operands stay in the array: output, weight or input stationary (SCALE-Sim's names). */
export const DATAFLOWS = ['os', 'ws', 'is'] as const;
export type Dataflow = (typeof DATAFLOWS)[number];
export const isDataflow = (value: unknown): value is Dataflow => (DATAFLOWS as readonly unknown[]).includes(value);
/** "os, ws or is": the dataflows as messages list them. */
export const DATAFLOW_CHOICES_TEXT = `${DATAFLOWS.slice(0, -1).join(', ')} or ${DATAFLOWS[DATAFLOWS.length - 1]}`;

/**
 * `plain`: a conventional systolic array; depthwise and 1-D depthwise layers map as one GEMM per
 * channel. `fuse`: the array extended with the ST-OS mapping, which runs independent 1-D
 * convolutions on its rows (FuSeConv's hardware).
 */
export const HARDWARE_KINDS = ['plain', 'fuse'] as const;
export type Hardware = (typeof HARDWARE_KINDS)[number];

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

export function validateArray(config: ArrayConfig): void {
  for (const field of ['rows', 'cols'] as const) {
    const value = config[field];
    if (!Number.isInteger(value) || value <= 0) {
      throw new InvalidArrayError(field, `must be a positive integer, got ${value}`);
    }
  }
}

/** Parses "64x64" / "32X16" / "64" (square) into rows and cols. */
export function parseArraySize(text: string): { rows: number; cols: number } {
  const match = /^\s*(\d+)\s*(?:[xX×]\s*(\d+))?\s*$/.exec(text);
  if (!match) throw new InvalidArrayError('array', `array size must look like RxC (e.g. 64x64), got "${text}"`);
  const rows = Number(match[1]);
  const cols = Number(match[2] ?? match[1]);
  if (rows <= 0 || cols <= 0) {
    throw new InvalidArrayError('array', `array size must have positive rows and cols, got "${text}"`);
  }
  return { rows, cols };
}
