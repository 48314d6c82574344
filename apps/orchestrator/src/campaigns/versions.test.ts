import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { codeVersion, componentsOf, filesOf, hashComponent, jobKey, type Component } from './versions.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A built library laid out like dist/: a model, tfjs layers, declarations and maps. */
function fakeDist(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fuselab-versions-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'models'));
  mkdirSync(join(dir, 'tfjs'));
  writeFileSync(join(dir, 'index.js'), 'export * from "./models/reference.js";\n');
  writeFileSync(join(dir, 'models', 'reference.js'), 'export const cycles = (n) => n * 2;\n');
  writeFileSync(join(dir, 'models', 'reference.d.ts'), 'export declare const cycles: (n: number) => number;\n');
  writeFileSync(join(dir, 'models', 'reference.js.map'), '{}');
  writeFileSync(join(dir, 'tfjs', 'layers.js'), 'export const layer = 1;\n');
  return dir;
}

describe('code versions follow the content of the code that computes a job', () => {
  it('a change to a hashed file changes the hash; declarations, maps and excluded folders do not', () => {
    const dir = fakeDist();
    const component: Component = { name: 'lib', dir, exclude: ['tfjs'], dependencies: { dep: '1.0.0' } };
    const before = hashComponent(component);
    expect(filesOf(component)).toEqual(['index.js', 'models/reference.js']);

    writeFileSync(join(dir, 'models', 'reference.d.ts'), '// reworded declaration\n');
    writeFileSync(join(dir, 'models', 'reference.js.map'), '{"version":3}');
    writeFileSync(join(dir, 'tfjs', 'layers.js'), 'export const layer = 2;\n');
    expect(hashComponent(component)).toBe(before);

    writeFileSync(join(dir, 'models', 'reference.js'), 'export const cycles = (n) => n * 2 + 1;\n');
    const afterModel = hashComponent(component);
    expect(afterModel).not.toBe(before);

    // A new version of a dependency the library runs (e.g. tfjs) changes it too.
    expect(hashComponent({ ...component, dependencies: { dep: '1.0.1' } })).not.toBe(afterModel);
  });

  it('include limits a component to the modules on the job’s path', () => {
    const dir = fakeDist();
    const component: Component = { name: 'orchestrator/sim', dir, include: ['models'] };
    const before = hashComponent(component);
    writeFileSync(join(dir, 'index.js'), '// an API or CLI change\n');
    expect(hashComponent(component)).toBe(before);
    writeFileSync(join(dir, 'models', 'reference.js'), 'export const cycles = 0;\n');
    expect(hashComponent(component)).not.toBe(before);
  });

  it('an empty component is an error (an unbuilt library must not hash to a constant)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fuselab-versions-'));
    dirs.push(dir);
    expect(() => hashComponent({ name: 'lib', dir })).toThrow(/no files to hash for lib/);
  });

  it('simulation keys hash the timing models and the network specs, not training, search or the dashboard', () => {
    const components = componentsOf('sim');
    expect(components.map((c) => c.name)).toEqual(['orchestrator/sim', '@fuselab/systolic-sim', '@fuselab/fuseconv']);
    const sim = components.find((c) => c.name === '@fuselab/systolic-sim')!;
    expect(filesOf(sim)).toEqual(expect.arrayContaining(['models/reference.js', 'models/stos.js']));
    const fuseconv = components.find((c) => c.name === '@fuselab/fuseconv')!;
    expect(filesOf(fuseconv).some((path) => path.startsWith('tfjs/'))).toBe(false);
    expect(filesOf(components[0]!).every((path) => path.startsWith('sim/') || path.startsWith('activities/index.'))).toBe(true);

    const version = codeVersion('sim');
    expect(version).toMatch(/^orchestrator\/sim#[0-9a-f]{16}\+systolic-sim@[\d.]+#[0-9a-f]{16}\+fuseconv@[\d.]+#[0-9a-f]{16}$/);
    expect(codeVersion('train')).toMatch(/\+nos@/);
    expect(codeVersion('nas')).toMatch(/^orchestrator\/search#.*\+nas@/);
    expect(jobKey('sim', { a: 1 })).not.toBe(jobKey('sim', { a: 1 }, 'orchestrator@0.1.0+systolic-sim@0.1.0+fuseconv@0.1.0'));
    // A search that trains its candidates is computed by the training code too; other searches are not.
    expect(jobKey('nas', { a: 1 })).toBe(jobKey('nas', { a: 1 }, codeVersion('nas')));
    expect(jobKey('nas', { a: 1, training: {} })).toBe(
      jobKey('nas', { a: 1, training: {} }, `${codeVersion('nas')}|train:${codeVersion('train')}`),
    );
    expect(jobKey('nas', { a: 1, training: {} })).not.toBe(jobKey('nas', { a: 1, training: {} }, codeVersion('nas')));
  });
});
