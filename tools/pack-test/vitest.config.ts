import { defineConfig } from 'vitest/config';
import { sharedTest } from '../../vitest.shared.js';

export default defineConfig({
  test: {
    ...sharedTest,
    // npm pack + npm install from the registry + a native LevelDB addon: minutes on a cold cache, not seconds.
    testTimeout: 240_000,
    hookTimeout: 240_000,
  },
});
