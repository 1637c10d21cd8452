import { defineConfig } from 'vitest/config';
import { sharedTest } from '../../vitest.shared.js';

export default defineConfig({
  test: {
    ...sharedTest,
    // Processes are started, killed and restarted: minutes, not seconds.
    testTimeout: 300_000,
    hookTimeout: 60_000,
  },
});
