import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // npm pack + npm install from the registry + a native LevelDB addon: minutes on a cold cache, not seconds.
    testTimeout: 240_000,
    hookTimeout: 240_000,
  },
});
