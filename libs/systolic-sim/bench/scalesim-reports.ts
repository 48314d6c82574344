/**
 * Reading SCALE-Sim v2's own per-layer reports (COMPUTE_REPORT.csv and DETAILED_ACCESS_REPORT.csv
 * of one run directory) as the fields of our `ScaleSimLayerResult`. Shared by the exactness tests,
 * the CLI tests and the benchmark; it reads files, so it lives outside src/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScaleSimLayerResult } from '../src/scalesim/index.js';

export type ScaleSimReportRow = Omit<ScaleSimLayerResult, 'name'>;

function csvNumbers(path: string): number[][] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) =>
      line
        .split(',')
        .slice(0, -1)
        .map((cell) => Number(cell.trim())),
    );
}

export function readScaleSimReports(runDirectory: string): ScaleSimReportRow[] {
  const detail = csvNumbers(join(runDirectory, 'DETAILED_ACCESS_REPORT.csv'));
  return csvNumbers(join(runDirectory, 'COMPUTE_REPORT.csv')).map((c, i) => {
    const d = detail[i] ?? [];
    return {
      totalCycles: c[1]!,
      stallCycles: c[2]!,
      overallUtil: c[3]!,
      mappingEfficiency: c[4]!,
      computeUtil: c[5]!,
      sramIfmapReads: d[3]!,
      sramFilterReads: d[6]!,
      sramOfmapWrites: d[9]!,
      dramIfmapReads: d[12]!,
      dramFilterReads: d[15]!,
      dramOfmapWrites: d[18]!,
    };
  });
}
