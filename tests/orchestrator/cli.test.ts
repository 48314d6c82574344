// The campaign CLI as a user runs it: bad input → one line naming the field, exit 2, nothing
// created; a good spec → one JSON summary on stdout; a re-run reuses the finished jobs.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../apps/orchestrator/dist/store/db.js';
import { and, eq } from 'drizzle-orm';
import {
  checkpoints as checkpointsTable,
  jobs as jobsTable,
  trainingResults as trainingResultsTable,
} from '../../apps/orchestrator/dist/store/schema.js';
import { REPO_ROOT } from './helpers/services.js';

const home = mkdtempSync(join(tmpdir(), 'fuselab-cli-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** Runs the built CLI without blocking the test worker (an embedded run takes seconds). */
function fuselab(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'apps/orchestrator/bin/fuselab.js'), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, FUSELAB_HOME: home, FUSELAB_LOG_LEVEL: 'warn', TEMPORAL_ADDRESS: '', DATABASE_URL: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolveRun({ status, stdout, stderr }));
  });
}

/** The built CLI started in the background (a stack that stays up, a run to signal mid-way). */
function startFuselab(args: string[], fuselabHome: string) {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'apps/orchestrator/bin/fuselab.js'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, FUSELAB_HOME: fuselabHome, FUSELAB_LOG_LEVEL: 'warn', TEMPORAL_ADDRESS: '', DATABASE_URL: '' },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.on('close', (status) => resolveExit(status)));
  return {
    child,
    exited,
    stderr: () => stderr,
    /** The first match of `pattern` in its stderr, once there; rejects if the command exits before. */
    waitFor: (pattern: RegExp, what: string) =>
      new Promise<RegExpExecArray>((resolveSeen, reject) => {
        const look = () => {
          const match = pattern.exec(stderr);
          if (match) resolveSeen(match);
        };
        look();
        child.stderr.on('data', look); // registered after the collector above, so `stderr` has the chunk
        child.on('close', () => reject(new Error(`exited before ${what}: ${stderr}`)));
      }),
  };
}

/** A one-job training campaign on synthetic data: `epochs` sets how long it runs. */
function trainingSpec(name: string, epochs: number): string {
  return specFile(
    `${name}.yaml`,
    `name: ${name}\nseed: 1\ntrainings:\n  - { dataset: synthetic, network: mobilenet_v2, variants: [baseline], width: 0.25, epochs: ${epochs}, limit: 512, batch: 32 }\n`,
  );
}

function specFile(name: string, text: string): string {
  const file = join(home, name);
  writeFileSync(file, text);
  return file;
}

/** Processes whose command line names this home's dev-server files (read from /proc: no pgrep needed). */
function devServersOf(fuselabHome: string): string {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(join(fuselabHome, 'temporal'));
      } catch {
        return false; // gone meanwhile
      }
    })
    .join(' ');
}

const minimal =
  'name: tiny\nseed: 1\nsimulations:\n  networks: [mobilenet_v2]\n  variants: [baseline, fuse_half]\n  arrays: [32, 64]\n  models: [reference]\n';

describe('fuselab campaign (CLI)', () => {
  it.each([
    [
      'unknown network',
      minimal.replace('[mobilenet_v2]', '[resnet50]'),
      /^fuselab: simulations\.networks\[0\]: unknown network "resnet50"/,
    ],
    [
      'unknown strategy',
      'name: s\nsearches:\n  - { network: mobilenet_v2, space: blocks, strategy: annealing, objectives: [latency] }\n',
      /^fuselab: searches\[0\]\.strategy: unknown search strategy "annealing"/,
    ],
    [
      'negative epochs',
      'name: t\ntrainings:\n  - { dataset: cifar10, network: mobilenet_v2, variants: all, epochs: -1 }\n',
      /^fuselab: trainings\[0\]\.epochs: expected a positive integer number of epochs/,
    ],
    [
      'cifar10 training without a data dir',
      'name: t\ntrainings:\n  - { dataset: cifar10, network: mobilenet_v2, variants: all, epochs: 2 }\n',
      /^fuselab: trainings\[0\]\.dataDir: cifar10 needs dataDir/,
    ],
    [
      'duplicate names',
      'name: d\nsimulations:\n  - { name: a, networks: all, variants: all, arrays: [8] }\n  - { name: a, networks: all, variants: all, arrays: [16] }\n',
      /^fuselab: simulations\[1\]\.name: duplicate name "a"/,
    ],
    ['unreadable YAML', 'name: [unclosed\n', /^fuselab: .*unreadable YAML\/JSON/],
  ])('%s → exit 2, one line, nothing created', async (_what, text, message) => {
    const run = await fuselab(['campaign', 'run', specFile('bad.yaml', text), '--json']);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    expect(existsSync(join(home, 'db'))).toBe(false); // nothing was even opened
  });

  it('a missing spec file → exit 2 naming it', async () => {
    const run = await fuselab(['campaign', 'run', join(home, 'nope.yaml')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^fuselab: spec .*nope\.yaml: cannot read it \(ENOENT\)/);
  });

  it('unreachable Temporal or database → exit 2 with one clear message', async () => {
    const file = specFile('tiny.yaml', minimal);
    const noDb = await fuselab(['campaign', 'run', file, '--json'], {
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
    });
    expect(noDb.status).toBe(2);
    expect(noDb.stderr).toMatch(/^fuselab: cannot connect to PostgreSQL at postgres:\/\/nobody@127\.0\.0\.1:1\/none \(DATABASE_URL\)/);
    const badEnv = await fuselab(['campaign', 'list'], { TEMPORAL_ADDRESS: 'temporal:7233' });
    expect(badEnv.status).toBe(2);
    expect(badEnv.stderr).toMatch(/^fuselab: environment variable DATABASE_URL: required when TEMPORAL_ADDRESS is set/);
    const badUrl = await fuselab(['campaign', 'list'], { DATABASE_URL: 'mysql://x' });
    expect(badUrl.stderr).toMatch(/^fuselab: environment variable DATABASE_URL: expected a postgres:\/\/ or postgresql:\/\/ URL/);
  });

  it('runs the minimal spec on the embedded stack, prints one JSON summary, and reuses it on a re-run', async () => {
    const file = specFile('tiny.yaml', minimal);
    const first = await fuselab(['campaign', 'run', file, '--json']);
    expect(first.status, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary).toEqual({
      campaignId: expect.stringMatching(/^tiny-/),
      status: 'completed',
      jobs: { total: 4, completed: 4, failed: 0, reused: 0 },
    });
    const second = await fuselab(['campaign', 'run', file]);
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/completed — 4 jobs: 0 completed, 4 reused, 0 failed/);
    expect(second.stdout).toMatch(/reused 4 finished jobs/);
    const list = JSON.parse((await fuselab(['campaign', 'list', '--json'])).stdout) as Array<{ campaignId: string; status: string }>;
    expect(list.map((c) => c.status)).toEqual(['completed', 'completed']);
    const results = JSON.parse(
      (await fuselab(['campaign', 'results', summary.campaignId, '--json', '--variant', 'fuse_half'])).stdout,
    ) as Array<{ variant: string; rows: number; totalCycles: number }>;
    expect(results.map((r) => [r.variant, r.rows])).toEqual([
      ['fuse_half', 32],
      ['fuse_half', 64],
    ]);
    const sim = JSON.parse(
      (await fuselab(['sim', 'network', '--network', 'mobilenet_v2', '--variant', 'fuse_half', '--array', '64x64', '--json'])).stdout,
    ) as { totalCycles: number };
    expect(results[1]!.totalCycles).toBe(sim.totalCycles);
    const status = await fuselab(['campaign', 'status', summary.campaignId]);
    expect(status.stdout).toMatch(/: completed\njobs: 4 total, 4 completed/);
    expect((await fuselab(['campaign', 'status', 'no-such-campaign'])).status).toBe(2);

    // export here, import into another home: same results there
    const exported = join(home, 'export.json');
    expect((await fuselab(['campaign', 'export', summary.campaignId, '--out', exported])).status).toBe(0);
    const otherHome = mkdtempSync(join(tmpdir(), 'fuselab-cli-import-'));
    try {
      const imported = await fuselab(['campaign', 'import', exported, '--json'], { FUSELAB_HOME: otherHome });
      expect(JSON.parse(imported.stdout)).toEqual({
        campaignId: summary.campaignId,
        jobs: 4,
        simResults: 4,
        searchResults: 0,
        trainingResults: 0,
        trainingMetrics: 0,
        checkpoints: 0,
      });
      const there = JSON.parse(
        (await fuselab(['campaign', 'results', summary.campaignId, '--json'], { FUSELAB_HOME: otherHome })).stdout,
      ) as unknown[];
      expect(there).toEqual(JSON.parse((await fuselab(['campaign', 'results', summary.campaignId, '--json'])).stdout));
      // A name ending in .gz is written gzip-compressed, and import reads it as it reads plain JSON.
      const compressed = join(home, 'export.json.gz');
      expect((await fuselab(['campaign', 'export', summary.campaignId, '--out', compressed])).status).toBe(0);
      const unzipped = JSON.parse(gunzipSync(readFileSync(compressed)).toString()) as { exportedAt: string };
      expect({ ...unzipped, exportedAt: '' }).toEqual({ ...JSON.parse(readFileSync(exported, 'utf8')), exportedAt: '' });
      const third = mkdtempSync(join(tmpdir(), 'fuselab-cli-import-gz-'));
      try {
        const again = await fuselab(['campaign', 'import', compressed, '--json'], { FUSELAB_HOME: third });
        expect(JSON.parse(again.stdout)).toMatchObject({ campaignId: summary.campaignId, jobs: 4, simResults: 4 });
        const broken = join(home, 'broken.json.gz');
        writeFileSync(broken, readFileSync(compressed).subarray(0, 40));
        const refused = await fuselab(['campaign', 'import', broken], { FUSELAB_HOME: third });
        expect(refused.status).toBe(2);
        expect(refused.stderr).toMatch(/export file .*broken\.json\.gz: starts like gzip but does not decompress/);
      } finally {
        rmSync(third, { recursive: true, force: true });
      }
    } finally {
      rmSync(otherHome, { recursive: true, force: true });
    }
  }, 180_000);
  it('FUSELAB_TRAIN_CONCURRENCY=2: the embedded stack trains two jobs at once, each in its own child process; `campaign checkpoint` writes their checkpoints', async () => {
    const ownHome = mkdtempSync(join(tmpdir(), 'fuselab-cli-train2-'));
    const two =
      'name: two-at-once\nseed: 1\ntrainings:\n  - { dataset: synthetic, network: mobilenet_v2, variants: [baseline, fuse_half], width: 0.25, epochs: 2, limit: 256, batch: 32 }\n';
    try {
      const run = await fuselab(['campaign', 'run', specFile('two.yaml', two), '--json'], {
        FUSELAB_HOME: ownHome,
        FUSELAB_TRAIN_CONCURRENCY: '2',
      });
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ status: 'completed', jobs: { total: 2, completed: 2 } });
      // The jobs' rows say when each ran: the two intervals overlap (with 1, the second starts after the first).
      const database = await openDatabase({ kind: 'pglite', dir: join(ownHome, 'db') });
      try {
        const rows = await database.db.select({ startedAt: jobsTable.startedAt, finishedAt: jobsTable.finishedAt }).from(jobsTable);
        expect(rows).toHaveLength(2);
        const [a, b] = rows.map((r) => [r.startedAt!.getTime(), r.finishedAt!.getTime()] as const);
        expect(a![0] < b![1] && b![0] < a![1]).toBe(true);
      } finally {
        await database.close();
      }

      // The trained networks come out as the files `fuselab train` writes.
      const id = JSON.parse(run.stdout).campaignId as string;
      const inHome = (args: string[]) => fuselab(args, { FUSELAB_HOME: ownHome });
      const listed = await inHome(['campaign', 'checkpoint', id, '--json']);
      expect(listed.status, listed.stderr).toBe(0);
      const trainings = JSON.parse(listed.stdout) as Array<{ jobKey: string; variant: string; testAccuracy: number }>;
      expect(trainings.map((t) => t.variant).sort()).toEqual(['baseline', 'fuse_half']);
      const baseline = trainings.find((t) => t.variant === 'baseline')!;
      const file = join(ownHome, 'teacher.ckpt.json.gz');
      const written = await inHome(['campaign', 'checkpoint', id, baseline.jobKey.slice(0, 8), '--out', file, '--json']);
      expect(written.status, written.stderr).toBe(0);
      expect(JSON.parse(written.stdout)).toMatchObject({ file, jobKey: baseline.jobKey, testAccuracy: baseline.testAccuracy });
      // The bytes are the checkpoint the training result names, as stored.
      const again = await openDatabase({ kind: 'pglite', dir: join(ownHome, 'db') });
      try {
        const [result] = await again.db.select().from(trainingResultsTable).where(eq(trainingResultsTable.jobKey, baseline.jobKey));
        const [stored] = await again.db
          .select()
          .from(checkpointsTable)
          .where(
            and(
              eq(checkpointsTable.jobKey, baseline.jobKey),
              eq(checkpointsTable.epoch, result!.checkpointEpoch),
              eq(checkpointsTable.step, result!.checkpointStep),
            ),
          );
        expect(Buffer.compare(readFileSync(file), Buffer.from(stored!.data))).toBe(0);
      } finally {
        await again.close();
      }
      // It teaches: a KD student of it trains from the file.
      const student = await inHome([
        'train',
        ...['--dataset', 'synthetic', '--network', 'mobilenet_v2', '--variant', 'fuse_half', '--width', '0.25'],
        ...['--method', 'kd', '--teacher', file, '--epochs', '1', '--limit', '64', '--out', ownHome, '--json'],
      ]);
      expect(student.status, student.stderr).toBe(0);
      expect(JSON.parse(student.stdout)).toMatchObject({ method: 'kd', testAccuracy: expect.any(Number) });
      // Bad keys and paths: one line naming the field, exit 2, nothing written.
      const notAKey = await inHome(['campaign', 'checkpoint', id, 'zz']);
      expect([notAKey.status, notAKey.stderr.trim().split('\n')]).toEqual([2, [expect.stringMatching(/key: "zz" is not a job key/)]]);
      const unknown = trainings.some((t) => t.jobKey.startsWith('000000')) ? '111111' : '000000';
      const none = await inHome(['campaign', 'checkpoint', id, unknown]);
      expect(none.status).toBe(2);
      expect(none.stderr).toMatch(new RegExp(`no finished training of campaign ${id} has a key starting with ${unknown}`));
      const nowhere = join(ownHome, 'no-such-dir', 'x.ckpt.json.gz');
      const unwritable = await inHome(['campaign', 'checkpoint', id, baseline.jobKey.slice(0, 8), '--out', nowhere]);
      expect(unwritable.status).toBe(2);
      expect(unwritable.stderr).toMatch(/--out .*no-such-dir.*: cannot write it \(ENOENT\)/);
      expect(existsSync(`${nowhere}.partial`)).toBe(false);
    } finally {
      rmSync(ownHome, { recursive: true, force: true });
    }
  }, 300_000);

  it('fuselab up serves the API until SIGTERM, then stops everything it started: exit 0, no dev server, no stack file', async () => {
    const ownHome = mkdtempSync(join(tmpdir(), 'fuselab-cli-up-'));
    try {
      const up = startFuselab(['up', '--port', '0'], ownHome);
      const [, api] = await up.waitFor(/API\s+(http:\/\/\S+)\/api\/campaigns/, 'it was up');
      const listed = await fetch(`${api}/api/campaigns`);
      expect(listed.status).toBe(200);
      expect(existsSync(join(ownHome, 'stack.json'))).toBe(true);
      expect(devServersOf(ownHome)).not.toBe('');
      up.child.kill('SIGTERM');
      expect(await up.exited, `exit status; the command's stderr:\n${up.stderr()}`).toBe(0);
      expect(devServersOf(ownHome)).toBe('');
      expect(existsSync(join(ownHome, 'stack.json'))).toBe(false);
    } finally {
      rmSync(ownHome, { recursive: true, force: true });
    }
  }, 120_000);

  it('a SIGTERM to the command alone stops its stack: no Temporal dev server is left; the same spec then goes on', async () => {
    const ownHome = mkdtempSync(join(tmpdir(), 'fuselab-cli-signal-'));
    const file = trainingSpec('stoppable', 4);
    try {
      const run = startFuselab(['campaign', 'run', file], ownHome);
      // Signalled once the training has started (its first progress line), i.e. mid-campaign.
      await run.waitFor(/1 running/, 'the training started');
      expect(devServersOf(ownHome)).not.toBe('');
      run.child.kill('SIGTERM');
      expect(await run.exited, `exit status; the command's stderr:\n${run.stderr()}`).toBe(143);
      expect(run.stderr()).toMatch(/SIGTERM: stopping this command's stack \(the campaign is kept; run the same spec again to go on\)/);
      expect(devServersOf(ownHome)).toBe('');
      // Run again: the same campaign's job finishes (from its stored checkpoints when it had any).
      const again = await fuselab(['campaign', 'run', file, '--json'], { FUSELAB_HOME: ownHome });
      expect(again.status).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ status: 'completed', jobs: { total: 1, failed: 0 } });
      expect(devServersOf(ownHome)).toBe('');
    } finally {
      rmSync(ownHome, { recursive: true, force: true });
    }
  }, 300_000);

  it("two `campaign run`s in one home: the second goes through the first's stack, which stays up until the second's campaign ends", async () => {
    const ownHome = mkdtempSync(join(tmpdir(), 'fuselab-cli-two-runs-'));
    try {
      // The first owns the stack (dev server, workers, API); the second finds it by stack.json.
      const first = startFuselab(['campaign', 'run', trainingSpec('first', 8)], ownHome);
      await first.waitFor(/1 running/, 'its training started');
      // Queued behind the first's training (one at a time), so it ends after the first campaign.
      const second = await fuselab(['campaign', 'run', trainingSpec('second', 1), '--json'], { FUSELAB_HOME: ownHome });
      expect(second.status, `the second run's stderr:\n${second.stderr}\nthe first's:\n${first.stderr()}`).toBe(0);
      const { campaignId } = JSON.parse(second.stdout) as { campaignId: string };
      expect(JSON.parse(second.stdout)).toMatchObject({ status: 'completed', jobs: { total: 1, completed: 1, failed: 0 } });
      expect(await first.exited, `the first run's stderr:\n${first.stderr()}`).toBe(0);
      expect(first.stderr()).toContain(
        `keeping this command's stack up for 1 campaign submitted through its API and still running: ${campaignId}`,
      );
      expect(devServersOf(ownHome)).toBe('');
      expect(existsSync(join(ownHome, 'stack.json'))).toBe(false);
    } finally {
      rmSync(ownHome, { recursive: true, force: true });
    }
  }, 300_000);

  it('a `campaign run` following through a stack that stops gets one line (exit 2); its spec then goes on', async () => {
    const ownHome = mkdtempSync(join(tmpdir(), 'fuselab-cli-lost-api-'));
    try {
      const owner = startFuselab(['campaign', 'run', trainingSpec('owner', 8)], ownHome);
      await owner.waitFor(/1 running/, 'its training started');
      const follower = startFuselab(['campaign', 'run', trainingSpec('follower', 1)], ownHome);
      await follower.waitFor(/submitted \(API http/, 'it submitted');
      owner.child.kill('SIGTERM');
      expect(await owner.exited).toBe(143);
      expect(await follower.exited, `the follower's stderr:\n${follower.stderr()}`).toBe(2);
      const lines = follower
        .stderr()
        .split('\n')
        .filter((line) => line.startsWith('fuselab: '));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^fuselab: cannot reach the fuselab API at http:\/\/127\.0\.0\.1:\d+ \(connection refused\): the stack serving it .* has stopped; campaigns are kept/,
      );
      expect(devServersOf(ownHome)).toBe('');
      // Its campaign was kept: the same spec, run again, starts a stack of its own and finishes it.
      const again = await fuselab(['campaign', 'run', trainingSpec('follower', 1), '--json'], { FUSELAB_HOME: ownHome });
      expect(again.status, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ status: 'completed', jobs: { total: 1, failed: 0 } });
    } finally {
      rmSync(ownHome, { recursive: true, force: true });
    }
  }, 300_000);

  it('--detach: refused without a stack that outlives the command (nothing submitted); with `fuselab up` the campaign runs on', async () => {
    const ownHome = mkdtempSync(join(tmpdir(), 'fuselab-cli-detach-'));
    const file = specFile('detached.yaml', minimal);
    try {
      const refused = await fuselab(['campaign', 'run', file, '--detach'], { FUSELAB_HOME: ownHome });
      expect(refused.status).toBe(2);
      expect(refused.stdout).toBe('');
      expect(refused.stderr.trim()).toMatch(
        /^fuselab: --detach: needs a stack that outlives this command: start `fuselab up` first .*nothing was submitted$/,
      );
      const database = await openDatabase({ kind: 'pglite', dir: join(ownHome, 'db') });
      try {
        expect(await database.db.select().from(jobsTable)).toEqual([]);
      } finally {
        await database.close();
      }
      expect(devServersOf(ownHome)).toBe('');

      const up = startFuselab(['up', '--port', '0'], ownHome);
      await up.waitFor(/API\s+http:\/\/\S+\/api\/campaigns/, 'it was up');
      try {
        const detached = await fuselab(['campaign', 'run', file, '--detach', '--json'], { FUSELAB_HOME: ownHome });
        expect(detached.status, detached.stderr).toBe(0);
        const { campaignId, status } = JSON.parse(detached.stdout) as { campaignId: string; status: string };
        expect(status).toBe('running');
        // The command has returned; the stack it found runs the campaign to the end.
        let final: { status: string; jobs: { total: number; completed: number } } | undefined;
        for (let i = 0; i < 120 && final?.status !== 'completed'; i++) {
          const shown = await fuselab(['campaign', 'status', campaignId, '--json'], { FUSELAB_HOME: ownHome });
          final = JSON.parse(shown.stdout) as typeof final;
          if (final?.status !== 'completed') await new Promise((resolveSleep) => setTimeout(resolveSleep, 500));
        }
        expect(final).toMatchObject({ status: 'completed', jobs: { total: 4, completed: 4 } });
      } finally {
        up.child.kill('SIGTERM');
        expect(await up.exited).toBe(0);
      }
    } finally {
      rmSync(ownHome, { recursive: true, force: true });
    }
  }, 300_000);
  it("the Temporal SDK core's own logs go to stderr through the logger, never to stdout (--json stays one document)", async () => {
    const ownHome = mkdtempSync(join(tmpdir(), 'fuselab-cli-core-logs-'));
    try {
      // At debug the native core always logs (its connections); at the default level only its
      // warnings, which a loaded machine produces at random — printed on stdout before they were forwarded.
      const run = await fuselab(['campaign', 'run', specFile('core-logs.yaml', minimal), '--json'], {
        FUSELAB_HOME: ownHome,
        FUSELAB_LOG_LEVEL: 'debug',
      });
      expect(run.status, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ status: 'completed' });
      const core = run.stderr
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { component?: string; sdkComponent?: string })
        .filter((entry) => entry.sdkComponent === 'core');
      expect(core.length).toBeGreaterThan(0);
      for (const entry of core) expect(entry.component).toBe('temporal');
    } finally {
      rmSync(ownHome, { recursive: true, force: true });
    }
  }, 120_000);
});
