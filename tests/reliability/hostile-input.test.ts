// Hostile input, property-based (fast-check): campaign specs, SCALE-Sim topology CSVs and configs,
// IDX and CIFAR files and API bodies. Every malformed input gets the parser's own error with a
// message (never a crash with a TypeError or RangeError), and the API answers 400 and writes
// nothing. Files named by a spec are confined to the data roots.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError, parseCifarBatch, parseIdx } from '@fuselab/nos';
import { InputError, parseScaleSimConfig, parseScaleSimTopologyCsv } from '@fuselab/systolic-sim';
import { createApp } from '../../apps/orchestrator/dist/api/server.js';
import { LocalCampaignService } from '../../apps/orchestrator/dist/campaigns/service.js';
import { normaliseSpec } from '../../apps/orchestrator/dist/campaigns/spec.js';
import { SpecError } from '../../apps/orchestrator/dist/campaigns/validation.js';
import { openDatabase, type Database } from '../../apps/orchestrator/dist/store/db.js';
import { Store } from '../../apps/orchestrator/dist/store/store.js';
import { silentLogger } from '../orchestrator/helpers/services.js';

const RUNS = 300;

/** A message that names something: "field: problem" with both parts non-empty. */
const namesAField = (message: string) => /^[^:\n]+: \S/.test(message);

/** Near-valid specs: a valid one with one field replaced by an arbitrary value. */
const nearValidSpec = fc
  .record({
    field: fc.constantFrom(
      'name',
      'seed',
      'simulations',
      'simulations.networks',
      'simulations.variants',
      'simulations.arrays',
      'simulations.models',
      'trainings',
      'searches',
      'extra',
    ),
    value: fc.oneof(
      fc.anything(),
      fc.string(),
      fc.integer(),
      fc.array(fc.oneof(fc.integer(), fc.string())),
      fc.constantFrom(-1, 0, 1e9, Number.NaN, '', 'all', '64x', '0x0', null),
    ),
  })
  .map(({ field, value }) => {
    const spec: Record<string, unknown> = {
      name: 'x',
      seed: 1,
      simulations: { networks: ['mobilenet_v2'], variants: ['baseline'], arrays: [32], models: ['reference'] },
    };
    const [head, tail] = field.split('.');
    if (tail) (spec[head!] as Record<string, unknown>)[tail] = value;
    else spec[head!] = value;
    return spec;
  });

/** Near-valid searches: an accuracy search (training, constraints, halving) with one field replaced. */
const nearValidSearch = fc
  .record({
    field: fc.constantFrom(
      'strategy',
      'objectives',
      'budget',
      'population',
      'eta',
      'rungs',
      'training',
      'training.dataset',
      'training.epochs',
      'training.method',
      'training.teacher',
      'training.seed',
      'training.replicas',
      'constraints',
      'constraints.speedup',
      'constraints.latency',
    ),
    value: fc.oneof(
      fc.anything(),
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.constantFrom(-1, 0, 1, 2, 1e9, Number.NaN, '', 'halving', 'nos', 'base', 'x/y.json', null),
    ),
  })
  .map(({ field, value }) => {
    const search: Record<string, unknown> = {
      network: 'mobilenet_v2',
      space: 'blocks',
      strategy: 'halving',
      objectives: ['accuracy', 'latency'],
      training: { dataset: 'synthetic', epochs: 3, width: 0.25 },
      constraints: { speedup: 1.5 },
    };
    const [head, tail] = field.split('.');
    if (tail) (search[head!] as Record<string, unknown>)[tail] = value;
    else search[head!] = value;
    return {
      name: 'x',
      trainings: [{ name: 'base', dataset: 'synthetic', network: 'mobilenet_v2', variants: ['baseline'], epochs: 1 }],
      searches: [search],
    };
  });

describe('campaign specs', () => {
  it('any value is either a valid spec or refused with one SpecError naming the field', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), nearValidSpec, nearValidSearch), (value) => {
        try {
          normaliseSpec(value);
        } catch (error) {
          expect(error).toBeInstanceOf(SpecError);
          expect(namesAField((error as Error).message)).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('SCALE-Sim input files', () => {
  const csvLine = fc
    .array(fc.oneof(fc.constantFrom('conv1', '224', '3', '64', '1', '2', '0', '-3', 'x', '', ' '), fc.string({ maxLength: 6 })), {
      maxLength: 9,
    })
    .map((cells) => `${cells.join(',')},`);
  it('a topology CSV parses or is refused with an InputError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc
            .array(csvLine, { maxLength: 5 })
            .map((lines) =>
              ['Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,', ...lines].join('\n'),
            ),
        ),
        (text) => {
          try {
            parseScaleSimTopologyCsv(text, 'topo.csv');
          } catch (error) {
            expect(error).toBeInstanceOf(InputError);
            expect((error as Error).message.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
  it('a config parses or is refused with an InputError', () => {
    const configLine = fc
      .tuple(
        fc.constantFrom('ArrayHeight', 'ArrayWidth', 'IfmapSramSzkB', 'Dataflow', 'Bandwidth', 'run_name', 'junk'),
        fc.oneof(fc.constantFrom('32', '0', '-1', 'os', 'ws', 'xx', ''), fc.string({ maxLength: 5 })),
      )
      .map(([k, v]) => `${k} : ${v}`);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc
            .array(configLine, { maxLength: 8 })
            .map((lines) => ['[general]', 'run_name = x', '[architecture_presets]', ...lines].join('\n')),
        ),
        (text) => {
          try {
            parseScaleSimConfig(text);
          } catch (error) {
            expect(error).toBeInstanceOf(InputError);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('data set files', () => {
  /** IDX headers: magic 0 0 type dims, then big-endian sizes, then some bytes. */
  const idxLike = fc
    .tuple(
      fc.constantFrom(0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x07),
      fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 0, maxLength: 4 }),
      fc.uint8Array({ maxLength: 200 }),
    )
    .map(([type, dims, body]) => {
      const header = new Uint8Array(4 + 4 * dims.length);
      header[2] = type;
      header[3] = dims.length;
      const view = new DataView(header.buffer);
      dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
      return Uint8Array.from([...header, ...body]);
    });
  it('IDX bytes parse or are refused with a DatasetError naming the file', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), idxLike), (bytes) => {
        try {
          parseIdx(bytes, 'images.idx');
        } catch (error) {
          expect(error).toBeInstanceOf(DatasetError);
          expect((error as Error).message).toMatch(/^images\.idx: /);
        }
      }),
      { numRuns: RUNS },
    );
  });
  it('CIFAR batches parse or are refused with a DatasetError naming the file', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 8000 }),
          fc.integer({ min: 0, max: 3 }).map((n) => new Uint8Array(n * 3073)),
        ),
        fc.constantFrom('cifar10', 'cifar100') as fc.Arbitrary<'cifar10' | 'cifar100'>,
        async (bytes, kind) => {
          try {
            await parseCifarBatch({ file: 'data_batch_1.bin', bytes }, { kind });
          } catch (error) {
            expect(error).toBeInstanceOf(DatasetError);
            expect((error as Error).message).toMatch(/^data_batch_1\.bin: /);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('the API under hostile bodies and paths', () => {
  let database: Database;
  let server: Server;
  let base: string;
  let dir: string;
  const campaignCount = async () => (await fetch(`${base}/api/campaigns`).then((r) => r.json())).length as number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fuselab-hostile-'));
    mkdirSync(join(dir, 'root'));
    writeFileSync(join(dir, 'secret.txt'), 'TOP-SECRET-CONTENT');
    symlinkSync(join(dir, 'secret.txt'), join(dir, 'root', 'teacher.ckpt'));
    database = await openDatabase({ kind: 'pglite' });
    // Nothing here may reach Temporal: every request below must be refused before it.
    const service = new LocalCampaignService(
      new Store(database.db),
      async () => {
        throw new Error('Temporal must not be reached by a refused request');
      },
      { dataRoots: [join(dir, 'root')] },
    );
    const app = createApp({ service, logger: await silentLogger() });
    server = await new Promise<Server>((resolveServer) => {
      const s = app.listen(0, '127.0.0.1', () => resolveServer(s));
    });
    const address = server.address() as { port: number };
    base = `http://127.0.0.1:${address.port}`;
  }, 180_000);

  afterAll(async () => {
    if (server) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('any JSON body to POST /api/campaigns is a 400 with a message naming the field, and nothing is written', async () => {
    const before = await campaignCount();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue(),
          nearValidSpec.map((spec) => ({ spec: { ...spec, simulations: { networks: ['not_a_network'] } } })),
          fc.record({ spec: fc.string() }),
        ),
        async (body) => {
          const response = await fetch(`${base}/api/campaigns`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          expect(response.status).toBe(400);
          const answer = (await response.json()) as { error: string };
          expect(namesAField(answer.error)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
    expect(await campaignCount()).toBe(before);
  }, 120_000);

  it('a body that is not JSON, or too large, is refused', async () => {
    const bad = await fetch(`${base}/api/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"spec": ',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'body: not valid JSON', field: 'body', problem: 'not valid JSON' });
  });

  it('spec paths outside the data roots are refused at submission, without showing what the file holds', async () => {
    const training = (teacher: string) => ({
      spec: {
        name: 'steal',
        trainings: [{ dataset: 'synthetic', network: 'mobilenet_v2', variants: ['fuse_half'], method: 'kd', teacher, epochs: 1 }],
      },
    });
    const cases: Array<[string, RegExp]> = [
      ['/etc/passwd', /^trainings\[0\]\.teacher: "\/etc\/passwd" is outside the data roots/],
      [`${dir}/root/../secret.txt`, /^trainings\[0\]\.teacher: .* contains a "\.\." segment/],
      [
        join(dir, 'root', 'teacher.ckpt'),
        /^trainings\[0\]\.teacher: .*teacher\.ckpt" resolves \(through a symbolic link\) to .*secret\.txt", which is outside the data roots/,
      ],
      [join(dir, 'root', 'missing.ckpt'), /^trainings\[0\]\.teacher: .*missing\.ckpt" does not exist$/],
    ];
    const before = await campaignCount();
    for (const [teacher, expected] of cases) {
      const response = await fetch(`${base}/api/campaigns`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(training(teacher)),
      });
      const answer = (await response.json()) as { error: string };
      expect([response.status, answer.error]).toEqual([400, expect.stringMatching(expected)]);
      expect(answer.error).not.toContain('TOP-SECRET');
      expect(answer.error).not.toMatch(/root:x:0/);
    }
    const dataDir = await fetch(`${base}/api/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        spec: {
          name: 'd',
          trainings: [{ dataset: 'cifar10', dataDir: '/etc', network: 'mobilenet_v2', variants: ['baseline'], epochs: 1 }],
        },
      }),
    });
    expect(dataDir.status).toBe(400);
    expect(((await dataDir.json()) as { error: string }).error).toMatch(/^trainings\[0\]\.dataDir: "\/etc" is outside the data roots/);
    expect(await campaignCount()).toBe(before);
  });
});
