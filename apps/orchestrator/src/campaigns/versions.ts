/**
 * Code versions: which versions of the libraries computed a job. A job's key hashes its kind, its
 * normalised parameters and this version, so results are reused only while the code is the same.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { JobKind } from './expand.js';
import { stableStringify } from './expand.js';
import { sha256 } from './spec.js';

function packageVersion(specifier: string): string {
  // The libs export only their entry point; their package.json sits above dist/.
  let dir = dirname(createRequire(import.meta.url).resolve(specifier));
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === specifier) return pkg.version ?? '0.0.0';
    } catch {
      /* keep looking upwards */
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

function ownVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

let cached: Record<string, string> | undefined;

/** Versions of the packages that compute results, recorded with every campaign. */
export function versions(): Record<string, string> {
  cached ??= {
    '@fuselab/orchestrator': ownVersion(),
    '@fuselab/systolic-sim': packageVersion('@fuselab/systolic-sim'),
    '@fuselab/fuseconv': packageVersion('@fuselab/fuseconv'),
    '@fuselab/nos': packageVersion('@fuselab/nos'),
    '@fuselab/nas': packageVersion('@fuselab/nas'),
  };
  return cached;
}

/** The code version of one kind of job; FUSELAB_CODE_VERSION overrides it (e.g. for a dev build). */
export function codeVersion(kind: JobKind = 'sim'): string {
  const override = process.env.FUSELAB_CODE_VERSION;
  if (override) return override;
  const v = versions();
  const libs = kind === 'sim' ? ['@fuselab/systolic-sim', '@fuselab/fuseconv'] : kind === 'train' ? ['@fuselab/fuseconv', '@fuselab/nos'] : ['@fuselab/systolic-sim', '@fuselab/fuseconv', '@fuselab/nas'];
  return [`orchestrator@${v['@fuselab/orchestrator']}`, ...libs.map((lib) => `${lib.replace('@fuselab/', '')}@${v[lib]}`)].join('+');
}

/** The content address of a job. */
export function jobKey(kind: JobKind, params: unknown, version = codeVersion(kind)): string {
  return sha256(stableStringify({ kind, params, codeVersion: version }));
}
