import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ResoluteError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store.js';
import type { Transport } from '../transport.js';

/** What a backend package gets besides its own section of the config. */
export interface BackendContext {
  /** The bus name. */
  readonly name: string;
  readonly logger: Logger;
  /** Directory relative paths in the config are resolved against (the config file's, or the working directory). */
  readonly baseDir: string;
}

/**
 * The named exports a backend package offers to `createBusFromConfig`. Each validates its own section (the whole
 * `transport` or `store` object, `type` included) and throws INVALID_CONFIG naming the bad field.
 */
export interface BackendModule {
  createTransportFromConfig?(config: Record<string, unknown>, context: BackendContext): Transport | Promise<Transport>;
  createStoreFromConfig?(config: Record<string, unknown>, context: BackendContext): Store | Promise<Store>;
}

/** Backend types and the package that implements each. Core never imports them: they are loaded by name at runtime. */
export const TRANSPORT_PACKAGES: Readonly<Record<string, string>> = {
  'zmq-peer': '@resolute/zmq-peer',
  'redis-bus': '@resolute/redis-bus',
  'amqp-adapter': '@resolute/amqp-adapter',
  'mdp-broker': '@resolute/mdp-broker',
};

export const STORE_PACKAGES: Readonly<Record<string, string>> = {
  level: '@resolute/level-store',
  redis: '@resolute/redis-bus',
};

function isMissing(error: unknown, pkg: string): boolean {
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : '';
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(pkg);
}

/**
 * Loads a backend package: first as core itself would resolve it (installed beside core), then from the working
 * directory's node_modules (an application that installed core and the backend in its own project).
 */
export async function loadBackendModule(pkg: string, what: string): Promise<BackendModule> {
  try {
    return (await import(pkg)) as BackendModule;
  } catch (error) {
    if (!isMissing(error, pkg)) throw loadFailed(pkg, what, error);
  }
  try {
    const resolved = createRequire(join(process.cwd(), 'noop.js')).resolve(pkg);
    return (await import(pathToFileURL(resolved).href)) as BackendModule;
  } catch (error) {
    if (!isMissing(error, pkg) && (error as { code?: unknown })?.code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw loadFailed(pkg, what, error);
    throw new ResoluteError('BACKEND_NOT_INSTALLED', `${what} needs the package ${pkg}, which is not installed: run \`npm install ${pkg}\``, {
      cause: error,
      retryable: false,
      details: { package: pkg },
    });
  }
}

function loadFailed(pkg: string, what: string, cause: unknown): ResoluteError {
  return new ResoluteError('BACKEND_NOT_INSTALLED', `${what}: the package ${pkg} is installed but failed to load (${String((cause as Error)?.message ?? cause)}): reinstall it`, {
    cause,
    retryable: false,
    details: { package: pkg },
  });
}
