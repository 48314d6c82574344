/**
 * SCALE-Sim v2 topology files, imported as SCALE-Sim's `topology_utils` reads them.
 *
 * Convolution format (`-i conv`, the default):
 *   `Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,`
 * with an optional ninth column for the column stride (otherwise the stride is used for both).
 * IFMAP sizes are already padded, so every layer imports with `padH = padW = 0`. A layer whose name
 * contains `DP` is SCALE-Sim's depthwise convention: it becomes one layer per channel, named
 * `<name>Channel_<i>`, each with one input channel and the row's `Num Filter` filters.
 *
 * GEMM format (`-i gemm`): `Layer name, M, N, K,` → a `gemm` layer (m × k) · (k × n).
 *
 * The first line is a header and is always skipped; blank lines are skipped; every row ends with a
 * trailing comma in SCALE-Sim's files (a row without one is read in full here, where SCALE-Sim would
 * drop its last value).
 */
import { InputError } from '../errors.js';
import type { ConvLayer, GemmLayer, Layer, Topology } from '../topology.js';

export type ScaleSimTopologyFormat = 'conv' | 'gemm';

export interface ParseTopologyOptions {
  /** `auto` (default) recognises the GEMM header `Layer, M, N, K`. */
  format?: ScaleSimTopologyFormat | 'auto';
}

const CONV_COLUMNS = [
  'Layer name',
  'IFMAP Height',
  'IFMAP Width',
  'Filter Height',
  'Filter Width',
  'Channels',
  'Num Filter',
  'Strides',
] as const;
const GEMM_COLUMNS = ['Layer name', 'M', 'N', 'K'] as const;

function splitRow(line: string): string[] {
  const cells = line.split(',');
  if (cells.length > 1 && (cells[cells.length - 1] ?? '').trim() === '') cells.pop();
  return cells.map((cell) => cell.trim());
}

function detectFormat(header: string): ScaleSimTopologyFormat {
  const cells = splitRow(header).map((cell) => cell.toUpperCase());
  return cells[1] === 'M' && cells[2] === 'N' && cells[3] === 'K' ? 'gemm' : 'conv';
}

/**
 * Parses a SCALE-Sim topology CSV. `name` (e.g. the file name) prefixes error messages.
 * Errors (InputError): a missing column, a non-integer cell (naming the line and the column),
 * a non-positive size, a filter larger than the ifmap, a file without layers.
 */
export function parseScaleSimTopologyCsv(text: string, name = 'topology', options: ParseTopologyOptions = {}): Topology {
  const lines = text.split(/\r\n|\n|\r/);
  const format = options.format === undefined || options.format === 'auto' ? detectFormat(lines[0] ?? '') : options.format;
  const layers: Layer[] = [];

  lines.forEach((line, index) => {
    if (index === 0 || line.trim() === '') return;
    const lineNo = index + 1;
    const cells = splitRow(line);
    const columns = format === 'gemm' ? GEMM_COLUMNS : CONV_COLUMNS;
    const where = (column: string): string => `${name} line ${lineNo}, column "${column}"`;

    const layerName = cells[0] ?? '';
    if (layerName === '') throw new InputError(where('Layer name'), 'the layer name is empty');
    if (cells.length < columns.length) {
      const missing = columns[cells.length] ?? columns[columns.length - 1];
      throw new InputError(
        where(missing ?? ''),
        `missing: the row has ${cells.length} of the ${columns.length} columns (${columns.join(', ')})`,
      );
    }

    // SCALE-Sim converts every conv cell to an integer (extra columns too, then ignores them);
    // in GEMM rows it reads only M, N and K.
    const values: number[] = [];
    const lastCell = format === 'gemm' ? columns.length : cells.length;
    for (let i = 1; i < lastCell; i++) {
      const cell = cells[i] ?? '';
      const sized = i < columns.length || i === 8;
      const column = i < columns.length ? (columns[i] ?? '') : i === 8 ? 'Stride width' : `#${i + 1}`;
      if (!/^[+-]?\d+$/.test(cell)) throw new InputError(where(column), `expected an integer, got "${cell}"`);
      const value = Number(cell);
      if (sized && value <= 0) throw new InputError(where(column), `must be a positive integer, got ${value}`);
      values.push(value);
    }

    if (format === 'gemm') {
      const [m = 0, n = 0, k = 0] = values;
      const layer: GemmLayer = { name: layerName, kind: 'gemm', m, k, n };
      layers.push(layer);
      return;
    }

    const [ifmapH = 0, ifmapW = 0, kernelH = 0, kernelW = 0, channels = 0, filters = 0, strideH = 0] = values;
    const strideW = values.length >= 8 ? (values[7] ?? strideH) : strideH;
    if (kernelH > ifmapH)
      throw new InputError(where('Filter Height'), `filter height ${kernelH} is larger than the IFMAP height ${ifmapH}`);
    if (kernelW > ifmapW) throw new InputError(where('Filter Width'), `filter width ${kernelW} is larger than the IFMAP width ${ifmapW}`);

    const make = (layerNameOut: string, ch: number): ConvLayer => ({
      name: layerNameOut,
      kind: kernelH === 1 && kernelW === 1 ? 'pointwise' : 'conv',
      ifmapH,
      ifmapW,
      kernelH,
      kernelW,
      channels: ch,
      filters,
      strideH,
      strideW,
      padH: 0,
      padW: 0,
    });
    if (layerName.includes('DP')) {
      for (let c = 0; c < channels; c++) layers.push(make(`${layerName}Channel_${c}`, 1));
    } else {
      layers.push(make(layerName, channels));
    }
  });

  if (layers.length === 0) throw new InputError(name, 'no layers: expected a header line followed by one row per layer');
  return layers;
}
