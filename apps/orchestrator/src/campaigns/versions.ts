/**
 * Code identity: which code computed a job. A job's key hashes its kind, its normalised parameters
 * and the code version of that kind, so a result is reused only while the code that computes it is
 * byte for byte the same.
 *
 * The code version is built from the content of the files that compute the job, not from version
 * strings: bumping nothing and changing the timing model still changes every simulation key. For a
 * kind it lists each component (a library's built files plus the installed versions of that
 * library's own dependencies, and the orchestrator modules on the job's path) as `name#hash`:
 *
 *     orchestrator/sim#1f0c…+systolic-sim@0.1.0#9ab2…+fuseconv@0.1.0#77d1…
 *
 * Only what the job runs counts: the dashboard, the API or the CLI can change without recomputing
 * anything, and fuseconv's tfjs layers do not touch simulation keys. Workers on other machines built
 * from the same commit hash the same bytes (tsc output is deterministic), so they agree on keys.
 *
 * Rows written before content keys (code versions like `orchestrator@0.1.0+systolic-sim@0.1.0`)
 * stay readable and exportable with the version they were computed by, but their keys can never
 * match a content key, so their jobs are recomputed once on the next run.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobKind } from './expand.js';
import { stableStringify } from './expand.js';
import { sha256 } from './spec.js';

type LibName = '@fuselab/systolic-sim' | '@fuselab/fuseconv' | '@fuselab/nos' | '@fuselab/nas';

export interface Component {
  /** A library, or `orchestrator/<what>` for the orchestrator's own modules. */
  name: string;
  /** Directory whose files are hashed. */
  dir: string;
  /** Paths (relative to dir, `/`-separated) to hash: a directory takes everything below it. */
  include?: string[];
  /** Paths below dir to leave out. */
  exclude?: string[];
  /** Version string shown beside the hash (libraries). */
  version?: string;
  /** Installed versions of the library's own dependencies (they compute too, e.g. tfjs). */
  dependencies?: Record<string, string>;
}

/** What computes each kind of job. Paths are relative to the library's built `dist/`. */
const COMPUTED_BY: Record<JobKind, { libs: { name: LibName; exclude?: string[] }[]; orchestrator: { name: string; include: string[] } }> = {
  sim: {
    libs: [{ name: '@fuselab/systolic-sim' }, { name: '@fuselab/fuseconv', exclude: ['tfjs'] }],
    orchestrator: { name: 'sim', include: ['sim', 'activities/index.js', 'activities/index.ts'] },
  },
  train: {
    libs: [{ name: '@fuselab/fuseconv' }, { name: '@fuselab/nos' }],
    orchestrator: { name: 'train', include: ['train', 'activities/train.js', 'activities/train.ts'] },
  },
  nas: {
    libs: [{ name: '@fuselab/systolic-sim' }, { name: '@fuselab/fuseconv' }, { name: '@fuselab/nas' }],
    // The search loop runs in workflow code; candidates are evaluated by the search activities.
    orchestrator: {
      name: 'search',
      include: [
        'workflows/search.js',
        'workflows/search.ts',
        'campaigns/search.js',
        'campaigns/search.ts',
        'activities/search.js',
        'activities/search.ts',
      ],
    },
  },
};

/** Files that do not change what runs: type declarations, source maps, build info, tests. */
const IGNORED = /(\.d\.ts|\.map|\.tsbuildinfo|\.test\.[cm]?[jt]s)$/;

function listFiles(dir: string, root = dir): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.sort().flatMap((entry) => {
    const path = join(dir, entry);
    const stat = statSync(path);
    if (stat.isDirectory()) return listFiles(path, root);
    return IGNORED.test(entry) ? [] : [relative(root, path).split(sep).join('/')];
  });
}

/** The files of a component that are hashed, relative to its directory, sorted. */
export function filesOf(component: Component): string[] {
  const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
  return listFiles(component.dir).filter(
    (path) => (!component.include || component.include.some((p) => under(path, p))) && !component.exclude?.some((p) => under(path, p)),
  );
}

/** sha256 over the component's files (path and bytes, in sorted order) and its dependencies. */
export function hashComponent(component: Component): string {
  const hash = createHash('sha256');
  const files = filesOf(component);
  if (files.length === 0)
    throw new Error(
      `no files to hash for ${component.name} under ${component.dir}${component.include ? ` (${component.include.join(', ')})` : ''}: is it built?`,
    );
  for (const path of files) {
    hash.update(`${path}\0`);
    hash.update(readFileSync(join(component.dir, path)));
    hash.update('\0');
  }
  hash.update(stableStringify(component.dependencies ?? {}));
  return hash.digest('hex').slice(0, 16);
}

const requireHere = createRequire(import.meta.url);

/** A library's package.json and built directory (the directory of its entry point). */
function libraryOf(name: string): { root: string; dist: string; manifest: { version?: string; dependencies?: Record<string, string> } } {
  const dist = dirname(requireHere.resolve(name));
  let dir = dist;
  for (let i = 0; i < 4; i++) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
        dependencies?: Record<string, string>;
      };
      if (manifest.name === name) return { root: dir, dist, manifest };
    } catch {
      /* keep looking upwards */
    }
    dir = dirname(dir);
  }
  throw new Error(`cannot find the package.json of ${name} above ${dist}`);
}

/** Installed versions of a library's dependencies, resolved from that library. */
function installedVersions(root: string, dependencies: Record<string, string> = {}): Record<string, string> {
  const requireLib = createRequire(join(root, 'package.json'));
  const found: Record<string, string> = {};
  for (const dependency of Object.keys(dependencies).sort()) {
    try {
      found[dependency] = (requireLib(`${dependency}/package.json`) as { version: string }).version;
    } catch {
      // Packages whose exports hide package.json: fall back to the declared range.
      found[dependency] = dependencies[dependency]!;
    }
  }
  return found;
}

/** The orchestrator's own compiled (or, under tsx, source) directory: this file is campaigns/versions. */
const ORCHESTRATOR_DIR = dirname(dirname(fileURLToPath(import.meta.url)));

export function componentsOf(kind: JobKind): Component[] {
  const plan = COMPUTED_BY[kind];
  return [
    { name: `orchestrator/${plan.orchestrator.name}`, dir: ORCHESTRATOR_DIR, include: plan.orchestrator.include },
    ...plan.libs.map(({ name, exclude }) => {
      const lib = libraryOf(name);
      return {
        name,
        dir: lib.dist,
        ...(exclude ? { exclude } : {}),
        version: lib.manifest.version ?? '0.0.0',
        dependencies: installedVersions(lib.root, lib.manifest.dependencies),
      };
    }),
  ];
}

const cachedCodeVersions = new Map<JobKind, string>();

/**
 * The code version of one kind of job (content hashes, computed once per process).
 * FUSELAB_CODE_VERSION overrides it, e.g. to pin keys while developing something unrelated.
 */
export function codeVersion(kind: JobKind = 'sim'): string {
  const override = process.env.FUSELAB_CODE_VERSION;
  if (override) return override;
  let version = cachedCodeVersions.get(kind);
  if (!version) {
    version = componentsOf(kind)
      .map((c) => `${c.name.replace('@fuselab/', '')}${c.version ? `@${c.version}` : ''}#${hashComponent(c)}`)
      .join('+');
    cachedCodeVersions.set(kind, version);
  }
  return version;
}

/** Versions of the packages, and the code version of every job kind, recorded with every campaign. */
export function versions(): Record<string, string> {
  const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const libs: LibName[] = ['@fuselab/systolic-sim', '@fuselab/fuseconv', '@fuselab/nos', '@fuselab/nas'];
  return {
    '@fuselab/orchestrator': own.version,
    ...Object.fromEntries(libs.map((name) => [name, libraryOf(name).manifest.version ?? '0.0.0'])),
    ...Object.fromEntries((Object.keys(COMPUTED_BY) as JobKind[]).map((kind) => [`code:${kind}`, codeVersion(kind)])),
  };
}

/**
 * The code that computes a job with these parameters: its kind's — and, for a search that trains
 * its candidates (`training`, the accuracy objective), the training code's too, since its result
 * holds their accuracies.
 */
export function jobCodeVersion(kind: JobKind, params: unknown): string {
  const trains = kind === 'nas' && typeof params === 'object' && params !== null && 'training' in params;
  return trains ? `${codeVersion('nas')}|train:${codeVersion('train')}` : codeVersion(kind);
}

/** The content address of a job. */
export function jobKey(kind: JobKind, params: unknown, version = jobCodeVersion(kind, params)): string {
  return sha256(stableStringify({ kind, params, codeVersion: version }));
}

/**
 * The code that computes a search's supernet (training method `supernet`): the training path (data,
 * recipe, child process) and libs/nas, whose `@fuselab/nas/supernet` is the supernet itself.
 */
export function supernetCodeVersion(): string {
  return `${codeVersion('train')}|nas:${codeVersion('nas')}`;
}

/** A search's supernet training's key (campaigns/search.ts supernetTraining gives its parameters). */
export function supernetKey(params: unknown): string {
  return jobKey('train', params, supernetCodeVersion());
}
