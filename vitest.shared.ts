import type { ViteUserConfig } from 'vitest/config';

/**
 * What every package's vitest config shares: the console reporter, plus a JSON report that `.ci/run` adds up into
 * one closing line (tools/ci/summarize.mjs).
 */
export const sharedTest = {
  include: ['tests/**/*.test.ts'],
  reporters: ['default', ['json', { outputFile: '.test-results/vitest.json' }]],
} satisfies ViteUserConfig['test'];
