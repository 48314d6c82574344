/**
 * Latency, params and MACs of a candidate as sums of per-block table entries, so that a search
 * evaluates a candidate in microseconds instead of rebuilding its network, topology and counts.
 *
 * Why it is exact: fuseconv builds block `b` from the network's layout and block `b`'s own
 * operator only (`buildNetwork`), and a block's layers and modules depend on its spec and its input
 * feature map. The table is built from the uniform networks (every block `dw`, every block
 * `fuse_full`, …) and checks that the stem and head are identical across them and that every
 * block's output feature map is the same whatever the operators — so every block's input is too,
 * and by induction over the blocks any mix of operators has exactly the uniform networks'
 * per-block layers. Cycles, params
 * and MACs are integers, so the sums equal the full evaluation bit for bit; when a check fails
 * (or a value is not an integer) `buildCostTable` returns null and callers evaluate in full.
 */
import { listModules, moduleMacs, moduleParams, toTopology, type BlockOperator, type NetworkModule } from '@fuselab/fuseconv';
import type { NetworkLayer } from '@fuselab/fuseconv';
import { makeArray, totalCycles } from '@fuselab/systolic-sim';
import { areaOf, candidateSpec, latencyOf, type EvaluationSettings, type ObjectiveName, type ObjectiveValues } from './objectives.js';
import type { ArrayChoice, Candidate, SearchSpace } from './space.js';

/** The objectives a table answers. */
export const TABLE_OBJECTIVES: readonly ObjectiveName[] = ['latency', 'params', 'macs', 'area'];

/** Cost of the stem + head (`shared`) and of each block under each operator. */
interface Costs {
  shared: number;
  /** `perBlock[b].get(operator)`. */
  perBlock: Array<Map<BlockOperator, number>>;
}

export interface CostTable {
  /** Values of `objectives` for a candidate (in that order). */
  evaluate(candidate: Candidate): ObjectiveValues;
}

const outputOf = (m: NetworkModule): string => (m.op === 'linear' ? `${m.outFeatures}` : `${m.outputH}x${m.outputW}x${m.outChannels}`);

/** Sums `value` over the items of each block (and of stem + head); null if one is not an integer. */
function costsOf<T extends { block: number | null }>(
  itemsByOperator: Map<BlockOperator, readonly T[]>,
  blockCount: number,
  value: (item: T) => number,
): Costs | null {
  let shared = 0;
  const perBlock = Array.from({ length: blockCount }, () => new Map<BlockOperator, number>());
  let first = true;
  for (const [operator, items] of itemsByOperator) {
    const blockTotals = new Array<number>(blockCount).fill(0);
    let sharedTotal = 0;
    for (const item of items) {
      const v = value(item);
      if (!Number.isSafeInteger(v)) return null;
      if (item.block === null) sharedTotal += v;
      else blockTotals[item.block]! += v;
    }
    if (first) shared = sharedTotal;
    first = false;
    blockTotals.forEach((total, b) => perBlock[b]!.set(operator, total));
  }
  return { shared, perBlock };
}

/**
 * The table for the space's operator choices, or null when an objective is not a table objective
 * or the additivity checks fail. Latency tables are made per array on first use; on an array
 * whose cycles are not integers, latency is evaluated in full.
 */
export function buildCostTable(
  settings: EvaluationSettings,
  space: Pick<SearchSpace, 'operators' | 'blockCount'>,
  objectives: readonly ObjectiveName[],
): CostTable | null {
  if (!objectives.every((o) => TABLE_OBJECTIVES.includes(o))) return null;
  const { blockCount } = space;
  const modulesByOperator = new Map<BlockOperator, NetworkModule[]>();
  const layersByOperator = new Map<BlockOperator, NetworkLayer[]>();
  for (const operator of space.operators) {
    const spec = candidateSpec(settings, { operators: new Array<BlockOperator>(blockCount).fill(operator) });
    if (spec.blocks.length !== blockCount) return null;
    modulesByOperator.set(operator, listModules(spec));
    layersByOperator.set(operator, toTopology(spec));
  }
  if (!sameStemHeadAndBlockOutputs(modulesByOperator, blockCount)) return null;

  const params = costsOf(modulesByOperator, blockCount, moduleParams);
  const macs = costsOf(modulesByOperator, blockCount, moduleMacs);
  if (!params || !macs) return null;
  const latencyByArray = new Map<string, Costs | null>();
  const latencyCosts = (array: ArrayChoice): Costs | null => {
    const key = `${array.rows}x${array.cols}/${array.hardware}`;
    if (!latencyByArray.has(key)) {
      const hardware = makeArray(array.rows, array.cols, {
        hardware: array.hardware,
        ...(settings.dataflow ? { dataflow: settings.dataflow } : {}),
      });
      const model = settings.model ?? 'reference';
      latencyByArray.set(
        key,
        costsOf(layersByOperator, blockCount, (layer) => totalCycles([layer], hardware, model)),
      );
    }
    return latencyByArray.get(key)!;
  };
  const sum = (costs: Costs, candidate: Candidate) => {
    let total = costs.shared;
    for (let b = 0; b < blockCount; b++) total += costs.perBlock[b]!.get(candidate.operators[b]!)!;
    return total;
  };
  return {
    evaluate(candidate: Candidate): ObjectiveValues {
      const values: ObjectiveValues = {};
      for (const o of objectives) {
        if (o === 'latency') {
          const costs = latencyCosts(candidate.array ?? settings.array);
          values.latency = costs === null ? latencyOf(settings, candidate) : sum(costs, candidate);
        } else if (o === 'params') values.params = sum(params, candidate);
        else if (o === 'macs') values.macs = sum(macs, candidate);
        else if (o === 'area') values.area = areaOf(candidate.array ?? settings.array);
      }
      return values;
    },
  };
}

/**
 * Stem and head modules identical across the uniform networks, and every block's output (its last
 * module's: the projection) the same — so each block's input, the previous block's output, is too.
 */
function sameStemHeadAndBlockOutputs(modulesByOperator: Map<BlockOperator, NetworkModule[]>, blockCount: number): boolean {
  let reference: { shared: string; outputs: string[] } | undefined;
  for (const modules of modulesByOperator.values()) {
    const shared = JSON.stringify(modules.filter((m) => m.block === null));
    const outputs = new Array<string>(blockCount).fill('');
    for (const m of modules) if (m.block !== null) outputs[m.block] = outputOf(m);
    if (outputs.some((o) => o === '')) return false;
    if (reference && (reference.shared !== shared || reference.outputs.some((output, b) => output !== outputs[b]))) return false;
    reference ??= { shared, outputs };
  }
  return true;
}
