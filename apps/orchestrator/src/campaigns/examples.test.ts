/**
 * Every spec under examples/ is what the README and the specs' own comments tell users to run:
 * each must load (schema, teachers, names) and expand to the job counts its comment states.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expandSpec } from './expand.js';
import { loadSpecText } from './spec.js';

const examples = fileURLToPath(new URL('../../../../examples/', import.meta.url));

/** Job counts the examples' comments promise (by kind). */
const EXPECTED: Record<string, Record<string, number>> = {
  'cifar10-nos.yaml': { train: 14 },
  'cifar10-nos-nas.yaml': { train: 5, nas: 1 },
  'cifar10-proxy-study.yaml': { train: 100 },
  'cifar10-supernet-search.yaml': { train: 1, nas: 2 },
  'nos-small.yaml': { train: 2 },
  'paper-table.yaml': { sim: 300, train: 2 },
};

describe('examples/', () => {
  const files = readdirSync(examples)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort();

  it('holds the specs this test knows', () => {
    expect(files).toEqual(expect.arrayContaining(Object.keys(EXPECTED)));
  });

  it.each(files)('%s loads and expands', (file) => {
    const spec = loadSpecText(readFileSync(join(examples, file), 'utf8'), file);
    const counts: Record<string, number> = {};
    for (const job of expandSpec(spec)) counts[job.kind] = (counts[job.kind] ?? 0) + 1;
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    if (EXPECTED[file]) expect(counts).toEqual(EXPECTED[file]);
  });

  it('cifar10-nos: every student learns from the baseline of its own seed', () => {
    const spec = loadSpecText(readFileSync(join(examples, 'cifar10-nos.yaml'), 'utf8'));
    const jobs = expandSpec(spec);
    const students = jobs.filter((job) => job.kind === 'train' && (job.params as { method?: string }).method !== 'scratch');
    expect(students).toHaveLength(8);
    for (const student of students) {
      const teacher = jobs[student.dependsOn!]!;
      expect((teacher.params as { variant: string }).variant).toBe('baseline');
      expect((teacher.params as { seed: number }).seed).toBe((student.params as { seed: number }).seed);
    }
  });
});
