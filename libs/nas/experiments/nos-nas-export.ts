/**
 * What the NOS + NAS study tables read from a campaign export (`fuselab campaign export`), and the
 * latency they put beside each network: the measure the study's search minimised — cycles of the
 * network at the search's input size and classes on its array with the `reference` model
 * (evaluateStatic) — so a fixed variant (from its per-block operators) and a searched network are
 * on one scale. Shared by nos-nas-table.ts (one seed, the search's front) and
 * nos-nas-seeds-table.ts (the same networks over several seeds).
 */
import { readText } from './read-text.js';
import { variantOperators, networkDefinition, type BlockOperator, type NetworkName, type VariantName } from '@fuselab/fuseconv';
import { evaluateStatic, type ArrayChoice, type Candidate } from '../src/index.js';

export interface ExportFile {
  campaign: { id: string; name: string };
  jobs: Array<{ kind: string; status: string; group: string; params: Record<string, unknown> }>;
  trainingResults: Array<{
    jobKey: string;
    variant: string;
    method: string;
    seed: number;
    operators?: string[] | null;
    testAccuracy: number | null;
  }>;
  searchCandidates?: Array<{ jobKey: string; candidateIndex: number; operators: string[]; objectives: Record<string, number> }>;
}

export function readExport(file: string): ExportFile {
  return JSON.parse(readText(file)) as ExportFile;
}

/** The study's search job and how it measured latency (the first array of its space). */
export interface StudyLatency {
  search: ExportFile['jobs'][number];
  network: NetworkName;
  array: ArrayChoice;
  inputSize: number;
  latencyOf(operators: readonly string[]): number;
  /**
   * The all-depthwise network's latency, what speed-ups and relative latencies divide by: from its
   * operators, so a campaign whose teacher came from a file (no baseline trained in it) has one too.
   */
  baselineLatency: number;
  /** A training result's per-block operators: its own (`custom`), else its variant's. */
  operatorsOf(result: Pick<ExportFile['trainingResults'][number], 'variant' | 'operators'>): string[];
}

export function studyLatency(file: string, data: ExportFile): StudyLatency {
  const search = data.jobs.find((j) => j.kind === 'nas');
  if (!search) throw new Error(`${file}: the campaign has no search job`);
  const network = search.params.network as NetworkName;
  const first = (search.params.arrays as Array<{ rows: number; cols: number; hardware?: ArrayChoice['hardware'] }>)[0]!;
  const array: ArrayChoice = { rows: first.rows, cols: first.cols, hardware: first.hardware ?? 'fuse' };
  const inputSize = search.params.inputSize as number;
  const definition = networkDefinition(network);
  const latencyOf = (operators: readonly string[]) =>
    evaluateStatic({
      network,
      array,
      candidate: { operators: operators as BlockOperator[] } as Candidate,
      objectives: ['latency'],
      inputSize,
      numClasses: search.params.numClasses as number,
    }).latency!;
  return {
    search,
    network,
    array,
    inputSize,
    latencyOf,
    baselineLatency: latencyOf(variantOperators(definition, 'baseline')),
    operatorsOf: (result) =>
      result.variant === 'custom' ? [...result.operators!] : variantOperators(definition, result.variant as VariantName),
  };
}

const LETTERS: Record<string, string> = { dw: 'd', fuse_half: 'h', fuse_full: 'f' };

/** Per-block operators as one letter each (d/h/f), as the README's tables print them. */
export function operatorCode(operators: readonly string[]): string {
  return operators.map((o) => LETTERS[o] ?? '?').join('');
}
