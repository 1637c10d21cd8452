import { defineConfig } from 'vitest/config';
import { sharedTest } from '../../vitest.shared.js';

export default defineConfig({
  test: {
    ...sharedTest,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
