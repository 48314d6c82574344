/**
 * Shared vitest settings for every package: tests beside the code, plus a JSON report per package
 * (test-results/vitest.json) that infra/test-summary.mjs adds up into CI's closing line.
 */
import { defineConfig, type ViteUserConfig } from 'vitest/config';

export function packageTestConfig(test: NonNullable<ViteUserConfig['test']> = {}): ViteUserConfig {
  return defineConfig({
    test: {
      include: ['src/**/*.test.ts'],
      reporters: ['default', 'json'],
      outputFile: { json: 'test-results/vitest.json' },
      ...test,
    },
  });
}
