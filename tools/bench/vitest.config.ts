import { defineConfig } from 'vitest/config';
import { sharedTest } from '../../vitest.shared.js';

export default defineConfig({
  test: {
    ...sharedTest,
    // One smoke run of every bench: minutes, not seconds.
    testTimeout: 600_000,
  },
});
