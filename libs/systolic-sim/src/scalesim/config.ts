/**
 * SCALE-Sim v2 `.cfg` files, read the way SCALE-Sim reads them (Python's configparser with
 * `scale_config.read_conf_file`): `[section]` headers, `key = value` or `key : value` lines,
 * case-insensitive keys, whole-line `#` / `;` comments, whitespace around keys and values ignored.
 */
import type { ArrayConfig } from '../array.js';
import { DATAFLOW_CHOICES_TEXT, DEFAULT_ARRAY, isDataflow } from '../array.js';
import { InputError } from '../errors.js';

/**
 * How SCALE-Sim sizes the DRAM side (`[run_presets] InterfaceBandwidth`).
 * `CALC`: the read buffers never stall and DRAM traffic is estimated; the OFMAP buffer drains at
 * `cols` words per cycle (every configuration shipped with SCALE-Sim uses this mode).
 * `USER`: the `Bandwidth` given in the file limits DRAM reads and writes.
 */
export type InterfaceBandwidthMode = 'CALC' | 'USER';

/** The array a SCALE-Sim config describes, plus the SCALE-Sim-only settings. */
export interface ScaleSimArrayConfig extends ArrayConfig {
  interfaceBandwidth?: InterfaceBandwidthMode;
}

export interface ScaleSimConfig extends ScaleSimArrayConfig {
  runName: string;
  interfaceBandwidth: InterfaceBandwidthMode;
  /** `Bandwidth` as listed (USER mode reads it; SCALE-Sim uses the first entry). */
  bandwidths: number[];
  ifmapOffset: number;
  filterOffset: number;
  ofmapOffset: number;
  /** `[network_presets] TopologyCsvLoc`, if the file names a topology. */
  topologyPath?: string;
}

type Sections = Map<string, Map<string, { value: string; line: number }>>;

/** Python configparser's default layout (strict: no duplicate sections or keys). */
function parseIni(text: string): Sections {
  const sections: Sections = new Map();
  let current: Map<string, { value: string; line: number }> | undefined;
  let lastKey: { value: string; line: number } | undefined;
  const lines = text.split(/\r\n|\n|\r/);
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const stripped = raw.trim();
    if (stripped === '' || stripped.startsWith('#') || stripped.startsWith(';')) {
      lastKey = undefined;
      return;
    }
    // An indented line continues the previous value (configparser's multi-line values).
    if (/^\s/.test(raw) && lastKey) {
      lastKey.value += `\n${stripped}`;
      return;
    }
    const header = /^\[([^\]]+)\]/.exec(stripped);
    if (header) {
      const name = header[1] ?? '';
      if (sections.has(name)) throw new InputError(`line ${lineNo}`, `section [${name}] appears twice`);
      current = new Map();
      sections.set(name, current);
      lastKey = undefined;
      return;
    }
    if (!current) {
      throw new InputError(`line ${lineNo}`, `"${stripped}" comes before any [section] header`);
    }
    const delimiter = /[=:]/.exec(raw);
    if (!delimiter) {
      throw new InputError(`line ${lineNo}`, `expected "key = value" or "key : value", got "${stripped}"`);
    }
    const key = raw.slice(0, delimiter.index).trim().toLowerCase();
    if (key === '') throw new InputError(`line ${lineNo}`, `missing key before "${delimiter[0]}"`);
    if (current.has(key)) throw new InputError(`line ${lineNo}`, `key "${key}" appears twice in its section`);
    lastKey = { value: raw.slice(delimiter.index + 1).trim(), line: lineNo };
    current.set(key, lastKey);
  });
  return sections;
}

function get(sections: Sections, section: string, key: string): { value: string; line: number } {
  const entries = sections.get(section);
  if (!entries) throw new InputError(`[${section}]`, `section is missing (needed for ${key})`);
  const entry = entries.get(key.toLowerCase());
  if (!entry) throw new InputError(`[${section}] ${key}`, 'key is missing');
  return entry;
}

/** Python's int(): optional sign, digits, surrounding whitespace, `_` between digits. */
function parseInt10(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^[+-]?\d+(?:_\d+)*$/.test(trimmed)) return undefined;
  const value = Number(trimmed.replace(/_/g, ''));
  return Number.isSafeInteger(value) ? value : undefined;
}

function intKey(sections: Sections, section: string, key: string, { positive = false, nonNegative = false } = {}): number {
  const { value, line } = get(sections, section, key);
  const parsed = parseInt10(value);
  const field = `[${section}] ${key} (line ${line})`;
  if (parsed === undefined) throw new InputError(field, `expected an integer, got "${value}"`);
  if (positive && parsed <= 0) throw new InputError(field, `must be a positive integer, got ${parsed}`);
  if (nonNegative && parsed < 0) throw new InputError(field, `must not be negative, got ${parsed}`);
  return parsed;
}

/**
 * Parses a SCALE-Sim v2 config file. Reads exactly the keys SCALE-Sim reads: `[general] run_name`,
 * `[run_presets] InterfaceBandwidth` (USER | CALC), `[architecture_presets]` ArrayHeight,
 * ArrayWidth, IfmapSramSzkB, FilterSramSzkB, OfmapSramSzkB, IfmapOffset, FilterOffset, OfmapOffset,
 * Dataflow (os | ws | is) and, in USER mode, Bandwidth (comma-separated; the first is used).
 * Other keys (MemoryBanks, …) are accepted and ignored, as SCALE-Sim does.
 * Where SCALE-Sim only warns (an unknown dataflow) or gives up silently (a bad InterfaceBandwidth),
 * this throws an InputError naming the key.
 */
export function parseScaleSimConfig(text: string): ScaleSimConfig {
  const sections = parseIni(text);

  const runName = get(sections, 'general', 'run_name').value;

  const bwMode = get(sections, 'run_presets', 'InterfaceBandwidth');
  if (bwMode.value !== 'USER' && bwMode.value !== 'CALC') {
    throw new InputError(`[run_presets] InterfaceBandwidth (line ${bwMode.line})`, `expected USER or CALC, got "${bwMode.value}"`);
  }
  const interfaceBandwidth: InterfaceBandwidthMode = bwMode.value;

  const arch = 'architecture_presets';
  const rows = intKey(sections, arch, 'ArrayHeight', { positive: true });
  const cols = intKey(sections, arch, 'ArrayWidth', { positive: true });
  const ifmapSramKB = intKey(sections, arch, 'IfmapSramSzkB', { positive: true });
  const filterSramKB = intKey(sections, arch, 'FilterSramSzkB', { positive: true });
  const ofmapSramKB = intKey(sections, arch, 'OfmapSramSzkB', { positive: true });
  const ifmapOffset = intKey(sections, arch, 'IfmapOffset');
  const filterOffset = intKey(sections, arch, 'FilterOffset');
  const ofmapOffset = intKey(sections, arch, 'OfmapOffset');

  const df = get(sections, arch, 'Dataflow');
  const dataflow = df.value;
  if (!isDataflow(dataflow))
    throw new InputError(`[${arch}] Dataflow (line ${df.line})`, `expected ${DATAFLOW_CHOICES_TEXT}, got "${df.value}"`);

  let bandwidths: number[] = [];
  if (interfaceBandwidth === 'USER') {
    const bw = get(sections, arch, 'Bandwidth');
    bandwidths = bw.value.split(',').map((part) => {
      const parsed = parseInt10(part);
      if (parsed === undefined || parsed <= 0) {
        throw new InputError(`[${arch}] Bandwidth (line ${bw.line})`, `expected positive integers separated by commas, got "${bw.value}"`);
      }
      return parsed;
    });
  } else {
    // CALC mode ignores Bandwidth; keep it (when it is a number) for reference.
    const bw = sections.get(arch)?.get('bandwidth');
    const parsed = bw ? parseInt10(bw.value.split(',')[0] ?? '') : undefined;
    if (parsed !== undefined && parsed > 0) bandwidths = [parsed];
  }

  let topologyPath: string | undefined;
  const network = sections.get('network_presets')?.get('topologycsvloc');
  if (network) topologyPath = network.value.split('"')[1] ?? network.value;

  const config: ScaleSimConfig = {
    ...DEFAULT_ARRAY,
    rows,
    cols,
    dataflow,
    ifmapSramKB,
    filterSramKB,
    ofmapSramKB,
    bandwidth: bandwidths[0] ?? DEFAULT_ARRAY.bandwidth,
    wordBytes: 1,
    runName,
    interfaceBandwidth,
    bandwidths,
    ifmapOffset,
    filterOffset,
    ofmapOffset,
  };
  if (topologyPath !== undefined) config.topologyPath = topologyPath;
  return config;
}
