import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Bus } from '../bus/bus.js';
import { describeIssues } from '../bus/bus-options.js';
import { ResoluteError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { MemoryNetwork } from '../memory/memory-network.js';
import { MemoryStore } from '../memory/memory-store.js';
import { MemoryTransport } from '../memory/memory-transport.js';
import type { Store } from '../store.js';
import type { Transport } from '../transport.js';
import { loadBackendModule, STORE_PACKAGES, TRANSPORT_PACKAGES, type BackendContext } from './backend-modules.js';
import { busConfigSchema, type BackendConfig, type BusConfig, type BusConfigInput } from './bus-config.js';

export const PROFILE_ENV = 'RESOLUTE_PROFILE';

export interface FromConfigOptions {
  /** Profile to apply; default: the RESOLUTE_PROFILE environment variable, then the config's defaultProfile. */
  profile?: string;
  logger?: Logger;
  /** Environment to read RESOLUTE_PROFILE from (default process.env). */
  env?: Record<string, string | undefined>;
  /** The network for `memory` transports (default: a private one). */
  memoryNetwork?: MemoryNetwork;
}

export interface ResolvedConfig {
  config: Omit<BusConfig, 'profiles' | 'defaultProfile'>;
  profile: string | undefined;
  baseDir: string;
}

/** Reads (if given a path), validates and applies the profile. Every bad field is named in one INVALID_CONFIG error. */
export async function loadBusConfig(source: string | BusConfigInput, options: FromConfigOptions = {}): Promise<ResolvedConfig> {
  let raw: unknown = source;
  let baseDir = process.cwd();
  if (typeof source === 'string') {
    const path = resolve(source);
    baseDir = dirname(path);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new ResoluteError('INVALID_CONFIG', `cannot read config file ${path}: check the path`, { cause: error, retryable: false });
    }
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new ResoluteError('INVALID_CONFIG', `config file ${path} is not valid JSON: ${(error as Error).message}`, { cause: error, retryable: false });
    }
  }
  const parsed = busConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ResoluteError('INVALID_CONFIG', `invalid config: ${describeIssues(parsed.error.issues)}`, { retryable: false });
  const { profiles = {}, defaultProfile, $schema: _schema, ...base } = parsed.data;
  const env = options.env ?? process.env;
  const profile = options.profile ?? (env[PROFILE_ENV] || undefined) ?? defaultProfile;
  if (profile === undefined) return { config: base, profile, baseDir };
  const overlay = profiles[profile];
  if (overlay === undefined) {
    const known = Object.keys(profiles);
    throw new ResoluteError('INVALID_CONFIG', `profile "${profile}" is not in the config (${known.length ? `known: ${known.join(', ')}` : 'it has no profiles'}): fix ${PROFILE_ENV} or the profiles section`, {
      retryable: false,
    });
  }
  const { bus: busOverlay, ...sections } = overlay;
  return { config: { ...base, ...sections, bus: { ...base.bus, ...busOverlay } }, profile, baseDir };
}

async function createTransport(section: BackendConfig, context: BackendContext, options: FromConfigOptions): Promise<Transport> {
  if (section.type === 'memory' && section.package === undefined) {
    const routing = section.routing === 'broker' ? 'broker' : 'publisher';
    const network = options.memoryNetwork ?? new MemoryNetwork({ routing });
    return new MemoryTransport({ network, ...(typeof section.address === 'string' ? { address: section.address } : {}) });
  }
  const pkg = section.package ?? TRANSPORT_PACKAGES[section.type];
  if (pkg === undefined) throw unknownType('transport', section.type, ['memory', ...Object.keys(TRANSPORT_PACKAGES)]);
  const mod = await loadBackendModule(pkg, `transport type "${section.type}"`);
  if (typeof mod.createTransportFromConfig !== 'function') {
    throw new ResoluteError('INVALID_CONFIG', `${pkg} does not provide a transport (no createTransportFromConfig export): check transport.type`, { retryable: false });
  }
  return mod.createTransportFromConfig(section, context);
}

async function createStore(section: BackendConfig, context: BackendContext): Promise<Store> {
  if (section.type === 'memory' && section.package === undefined) return new MemoryStore();
  const pkg = section.package ?? STORE_PACKAGES[section.type];
  if (pkg === undefined) throw unknownType('store', section.type, ['memory', ...Object.keys(STORE_PACKAGES)]);
  const mod = await loadBackendModule(pkg, `store type "${section.type}"`);
  if (typeof mod.createStoreFromConfig !== 'function') {
    throw new ResoluteError('INVALID_CONFIG', `${pkg} does not provide a store (no createStoreFromConfig export): check store.type`, { retryable: false });
  }
  return mod.createStoreFromConfig(section, context);
}

function unknownType(what: string, type: string, known: string[]): ResoluteError {
  return new ResoluteError('UNKNOWN_BACKEND', `${what}.type "${type}" is unknown: use one of ${known.join(', ')} (or set ${what}.package to a package that provides it)`, {
    retryable: false,
    details: { field: `${what}.type` },
  });
}

/** Builds the store named by a config (for tools like the CLI that inspect a store without a bus). */
export async function createStoreFromBusConfig(source: string | BusConfigInput, options: FromConfigOptions = {}): Promise<Store> {
  const { config, baseDir } = await loadBusConfig(source, options);
  return createStore(config.store, { name: config.name, logger: options.logger ?? silentLogger, baseDir });
}

/** A bus described by a config object or JSON file, with its backends loaded by package name; started. */
export async function createBusFromConfig(source: string | BusConfigInput, options: FromConfigOptions = {}): Promise<Bus> {
  const { config, baseDir } = await loadBusConfig(source, options);
  const logger = options.logger ?? silentLogger;
  const context: BackendContext = { name: config.name, logger, baseDir };
  const store = await createStore(config.store, context);
  const transport = await createTransport(config.transport, context, options);
  const bus = new Bus({ name: config.name, transport, store, logger, ...config.bus });
  await bus.start();
  return bus;
}
