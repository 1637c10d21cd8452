// Lint for the whole monorepo. Each package runs `eslint src tests` from its own directory (the Nx `lint` target);
// this one file holds every rule, so a package cannot quietly opt out of one.
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** The drivers each backend wraps. Core must never import them: it loads backends by package name at runtime. */
const BACKEND_DRIVERS = ['zeromq', 'ioredis', 'amqplib', 'level', 'classic-level'];

const TS_SOURCES = [
  'packages/*/src/**/*.ts',
  'packages/*/tests/**/*.ts',
  'tools/*/src/**/*.ts',
  'tools/*/tests/**/*.ts',
  'apps/*/src/**/*.ts',
  'apps/*/tests/**/*.ts',
];

export default defineConfig(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.nx/**', '**/coverage/**'] },

  {
    files: TS_SOURCES,
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    plugins: { '@nx': nx },
    languageOptions: {
      // Each package's tsconfig.json includes src and tests, so the project service finds it for every linted file.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'warn',
      // Relaxed: `async` without `await` is deliberate here. An async wrapper turns a handler's synchronous throw into a
      // rejection (`async (h) => h.handler(...)`), and an async generator is how a Store implements AsyncIterable.
      '@typescript-eslint/require-await': 'off',
      // Relaxed to allow re-rejecting what a `catch` caught (typed `unknown`); literals and non-errors still fail.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // Convention 1: core depends on no backend, a backend on core only, apps and tools compose.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          depConstraints: [
            { sourceTag: 'scope:core', onlyDependOnLibsWithTags: ['scope:core'] },
            { sourceTag: 'scope:backend', onlyDependOnLibsWithTags: ['scope:core'] },
            { sourceTag: 'scope:app', onlyDependOnLibsWithTags: ['*'] },
            { sourceTag: 'scope:tool', onlyDependOnLibsWithTags: ['*'] },
          ],
        },
      ],
    },
  },

  {
    // Relaxed in tests: vitest types its asymmetric matchers (expect.stringContaining, expect.any, ...) as `any`, so
    // every `toMatchObject({ message: expect.stringContaining(...) })` would be flagged.
    files: ['packages/*/tests/**/*.ts', 'tools/*/tests/**/*.ts', 'apps/*/tests/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },

  {
    // Relaxed for this file only: its name pattern matches control characters on purpose, to reject them.
    files: ['packages/core/src/envelope.ts'],
    rules: { 'no-control-regex': 'off' },
  },

  {
    // Convention 12: libraries take an injected logger. The CLI is an app and prints.
    files: ['packages/*/src/**/*.ts'],
    ignores: ['packages/cli/src/**'],
    rules: { 'no-console': 'error' },
  },

  {
    // zeromq.js runs unbind() on libuv's thread pool while a pending receive or send keeps using the same libzmq socket
    // on the main thread; libzmq sockets are not thread-safe, and the overlap aborted test processes under load
    // (packages/mdp-broker/README.md, "Closing a broker"). unbindSync() runs it on the main thread and does not block.
    files: ['packages/mdp-broker/**/*.ts', 'packages/zmq-peer/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { property: 'unbind', message: 'Use unbindSync(): the async unbind() races pending receives and sends on the same socket from another thread.' },
      ],
    },
  },

  {
    // Module boundaries above see only workspace projects; this also catches the npm drivers themselves.
    files: ['packages/core/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: BACKEND_DRIVERS.flatMap((d) => [d, `${d}/*`]),
              message: 'core depends on no backend driver: put driver code in its backend package (convention 1).',
            },
            {
              group: ['@resolute/*', '!@resolute/core', '!@resolute/core/*'],
              message: 'core depends on no other @resolute package: backends are loaded by name at runtime (config/backend-modules.ts).',
            },
          ],
        },
      ],
    },
  },
);
