import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { type BusConfigInput, PROFILE_ENV, ResoluteError } from '@resolute/core';
import type { z } from 'zod';

/** Environment variable naming the config file; without it the file is looked for from the working directory up. */
export const CONFIG_ENV = 'RESOLUTE_CONFIG';
export const CONFIG_FILE = 'resolute.config.json';

/**
 * The demo's one config file: a bus config per bus (`web`, `email`, each in @resolute/core's format with its own
 * `profiles`) beside a plain section per app (`signupWeb`, `emailService`, `smtpSink`).
 */
export interface DemoConfig {
  /** Absolute path of the file. */
  readonly path: string;
  /** Its directory: relative paths in the file are taken from here, whatever the working directory. */
  readonly dir: string;
  readonly data: Readonly<Record<string, unknown>>;
}

function invalid(message: string, field?: string): ResoluteError {
  return new ResoluteError('INVALID_CONFIG', message, { retryable: false, ...(field === undefined ? {} : { details: { field } }) });
}

/** The file named by RESOLUTE_CONFIG, else the first resolute.config.json from `cwd` upwards. */
export function findConfigFile(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): string {
  const named = env[CONFIG_ENV];
  if (named !== undefined && named !== '') return resolve(cwd, named);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, CONFIG_FILE);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw invalid(`no ${CONFIG_FILE} in ${cwd} or any directory above it: run from the repository, or set ${CONFIG_ENV} to the file's path`);
}

/** Reads and parses the config file (`path` default: findConfigFile()). */
export async function loadDemoConfig(path: string = findConfigFile()): Promise<DemoConfig> {
  const absolute = resolve(path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw new ResoluteError('INVALID_CONFIG', `cannot read the config file ${absolute}: check ${CONFIG_ENV} or the path`, { cause: error, retryable: false });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ResoluteError('INVALID_CONFIG', `${absolute} is not valid JSON: ${(error as Error).message}`, { cause: error, retryable: false });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw invalid(`${absolute} must hold a JSON object with one section per bus and app`);
  return { path: absolute, dir: dirname(absolute), data: data as Record<string, unknown> };
}

/** A path from the config, absolute: relative ones are taken from the config file's directory. */
export function configPath(config: DemoConfig, path: string): string {
  return isAbsolute(path) ? path : resolve(config.dir, path);
}

/** An app's section, validated by `schema`; every bad field is named (as `section.field`) in one INVALID_CONFIG. */
export function appSection<S extends z.ZodType>(config: DemoConfig, name: string, schema: S): z.output<S> {
  const result = schema.safeParse(config.data[name]);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${[name, ...i.path.map(String)].join('.')}: ${i.message}`).join('; ');
    throw invalid(`${config.path}: ${problems}`, name);
  }
  return result.data;
}

type Section = Record<string, unknown>;

function withAbsoluteStorePath(config: DemoConfig, section: unknown): unknown {
  if (typeof section !== 'object' || section === null) return section;
  const store = (section as Section).store;
  if (typeof store !== 'object' || store === null) return section;
  const path = (store as Section).path;
  if (typeof path !== 'string' || path === '') return section;
  return { ...section, store: { ...store, path: configPath(config, path) } };
}

/**
 * A bus's section, ready for `createBusFromConfig(section, { profile })`. Given an object (not a file), core takes
 * relative paths from the working directory; this resolves every `store.path` (the base's and each profile's) against
 * the config file's directory first, so `./.data/web` means the same place wherever a service is started from.
 * Everything else is passed through for core to validate.
 */
export function busSection(config: DemoConfig, name: string): BusConfigInput {
  const section = config.data[name];
  if (typeof section !== 'object' || section === null || Array.isArray(section)) {
    throw invalid(`${config.path}: the bus section "${name}" is missing: add { "name", "transport", "store", "profiles" } under "${name}"`, name);
  }
  const resolved = withAbsoluteStorePath(config, section) as Section;
  const profiles = resolved.profiles;
  if (typeof profiles === 'object' && profiles !== null) {
    resolved.profiles = Object.fromEntries(Object.entries(profiles).map(([key, profile]) => [key, withAbsoluteStorePath(config, profile)]));
  }
  return resolved as BusConfigInput;
}

/** The profile RESOLUTE_PROFILE names (undefined: the section's defaultProfile). */
export function profileFromEnv(env: Record<string, string | undefined> = process.env): string | undefined {
  const value = env[PROFILE_ENV];
  return value === undefined || value === '' ? undefined : value;
}
