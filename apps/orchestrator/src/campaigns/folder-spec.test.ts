/** Campaign trainings on image-folder data sets: required and misplaced fields, and the path check at submit. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { expandSpec, type TrainJobParams } from './expand.js';
import { checkSpecPaths, loadSpecText } from './spec.js';

const spec = (fields: string) => `
name: folders
trainings:
  - network: mobilenet_v2
    variants: [baseline]
    epochs: 1
${fields}`;

describe('campaign spec: dataset folder', () => {
  it('records data and imageSize in the job parameters', () => {
    const normalised = loadSpecText(spec('    dataset: folder\n    data: /data/pets.tar.gz\n    imageSize: 64'));
    const params = expandSpec(normalised)[0]!.params as TrainJobParams;
    expect(params).toMatchObject({ dataset: 'folder', data: '/data/pets.tar.gz', imageSize: 64 });
    // imageSize 64 → the cifar stem is the default: recorded only when imagenet is asked for.
    expect(params.stem).toBeUndefined();
    const imagenet = expandSpec(loadSpecText(spec('    dataset: folder\n    data: /d\n    imageSize: 64\n    stem: imagenet')))[0]!
      .params as TrainJobParams;
    expect(imagenet.stem).toBe('imagenet');
    // Without imageSize the size is known only once decoded, so a stem given is kept.
    const kept = expandSpec(loadSpecText(spec('    dataset: folder\n    data: /d\n    stem: cifar')))[0]!.params as TrainJobParams;
    expect(kept.stem).toBe('cifar');
  });

  it('refuses a folder without data, and data or imageSize on other data sets, naming the field', () => {
    expect(() => loadSpecText(spec('    dataset: folder'))).toThrow(/^trainings\[0\]\.data: the folder dataset needs data/);
    expect(() => loadSpecText(spec('    dataset: synthetic\n    data: /d'))).toThrow(
      /^trainings\[0\]\.data: only used with dataset folder$/,
    );
    expect(() => loadSpecText(spec('    dataset: synthetic\n    imageSize: 32'))).toThrow(
      /^trainings\[0\]\.imageSize: only used with dataset folder$/,
    );
    expect(() => loadSpecText(spec('    dataset: folder\n    data: /d\n    imageSize: 0'))).toThrow(
      /^trainings\[0\]\.imageSize: expected a positive integer image size$/,
    );
  });

  it('a data path that does not exist is refused at submit', () => {
    const missing = loadSpecText(spec('    dataset: folder\n    data: /no/such/pets.tar.gz'));
    expect(() => checkSpecPaths(missing, existsSync)).toThrow('trainings[0].data: /no/such/pets.tar.gz: no such file or directory');
    const dir = mkdtempSync(`${tmpdir()}/fuselab-folder-spec-`);
    try {
      expect(() => checkSpecPaths(loadSpecText(spec(`    dataset: folder\n    data: ${dir}`)), existsSync)).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
