// Convention 1 as a test: core depends on no backend; each backend on core and its own driver only. The lint rules
// (@nx/enforce-module-boundaries, no-restricted-imports) guard source imports; this guards the manifests, which decide
// what `npm install @resolute/<pkg>` pulls in, and re-checks core's sources without needing ESLint.
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PACKAGES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CORE = '@resolute/core';

/**
 * Every package under packages/ other than core, by directory, with the npm packages it may depend on besides core.
 * A new package fails this test until it is listed here: decide its drivers on purpose.
 */
const BACKENDS: Readonly<Record<string, readonly string[]>> = {
  'level-store': ['level'],
  'zmq-peer': ['zeromq'],
  'redis-bus': ['ioredis'],
  'amqp-adapter': ['amqplib'],
  'mdp-broker': ['zeromq'],
};

/** Libraries any package may use besides its drivers: core itself depends on them, so they add nothing to an install. */
const SHARED = ['zod'];

/** Drivers core must never depend on or import: every backend's, plus those the lint config also bans. */
const DRIVERS = [...new Set([...Object.values(BACKENDS).flat(), 'classic-level'])].sort();

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  devDependencies?: Record<string, string>;
  nx?: { tags?: string[] };
}

/** What an install of the package pulls in (optional peers excluded: the app chooses them). */
function runtimeDependencies(manifest: Manifest): string[] {
  const peers = Object.keys(manifest.peerDependencies ?? {}).filter((p) => manifest.peerDependenciesMeta?.[p]?.optional !== true);
  return [...new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.optionalDependencies ?? {}), ...peers])].sort();
}

/** A dependency core may not have: a backend driver (or a subpath of one) or any @resolute package but core. */
function isForbiddenInCore(specifier: string): boolean {
  if (specifier.startsWith('@resolute/')) return specifier !== CORE && !specifier.startsWith(`${CORE}/`);
  return DRIVERS.some((d) => specifier === d || specifier.startsWith(`${d}/`));
}

/** Problems with core's manifest; every section counts, dev included (core's own tests need no driver either). */
function coreManifestProblems(manifest: Manifest): string[] {
  const all = [manifest.dependencies, manifest.optionalDependencies, manifest.peerDependencies, manifest.devDependencies];
  const names = all.flatMap((section) => Object.keys(section ?? {}));
  const problems = names.filter(isForbiddenInCore).map((n) => `${CORE} depends on ${n}: core depends on no backend (convention 1)`);
  if (!manifest.nx?.tags?.includes('scope:core')) problems.push(`${CORE} lacks the nx tag scope:core`);
  return problems;
}

/** Problems with a backend's manifest: it needs core at core's version, and nothing but its listed drivers. */
function backendManifestProblems(dir: string, manifest: Manifest, coreVersion: string): string[] {
  const drivers = BACKENDS[dir];
  if (drivers === undefined) {
    return [`packages/${dir} (${manifest.name}) is not in BACKENDS in packages/core/tests/boundaries.test.ts: list it with its drivers`];
  }
  const problems: string[] = [];
  const deps = runtimeDependencies(manifest);
  const coreSpec = manifest.dependencies?.[CORE] ?? manifest.peerDependencies?.[CORE];
  if (coreSpec === undefined) problems.push(`${manifest.name} does not depend on ${CORE}`);
  else if (coreSpec !== coreVersion) problems.push(`${manifest.name} wants ${CORE}@${coreSpec}, the workspace has ${coreVersion}: npm would not link it`);
  for (const dep of deps) {
    if (dep !== CORE && !drivers.includes(dep) && !SHARED.includes(dep)) problems.push(`${manifest.name} depends on ${dep}, not one of its drivers (${drivers.join(', ')})`);
  }
  if (!manifest.nx?.tags?.includes('scope:backend')) problems.push(`${manifest.name} lacks the nx tag scope:backend`);
  return problems;
}

const IMPORT_PATTERN = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)(['"`])([^'"`]+)\1/gm;

/** Static, dynamic and require imports of forbidden packages in one source text, as `line: specifier`. */
function forbiddenImports(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(IMPORT_PATTERN)) {
    const specifier = match[2]!;
    if (isForbiddenInCore(specifier)) found.push(`${source.slice(0, match.index).split('\n').length}: ${specifier}`);
  }
  return found;
}

async function readManifest(dir: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(PACKAGES_DIR, dir, 'package.json'), 'utf8')) as Manifest;
}

async function packageDirs(): Promise<string[]> {
  const entries = await readdir(PACKAGES_DIR, { withFileTypes: true });
  const dirs: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const has = await readFile(join(PACKAGES_DIR, entry.name, 'package.json'), 'utf8').then(
      () => true,
      () => false,
    );
    if (has) dirs.push(entry.name);
  }
  return dirs.sort();
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && /\.(?:[cm]?ts|[cm]?js)$/.test(e.name)).map((e) => join(e.parentPath, e.name));
}

describe('package boundaries (convention 1)', () => {
  it('finds core and at least one backend', async () => {
    const dirs = await packageDirs();
    expect(dirs).toContain('core');
    expect(dirs.length).toBeGreaterThan(1);
  });

  it('core depends on no backend driver and no other @resolute package', async () => {
    expect(coreManifestProblems(await readManifest('core'))).toEqual([]);
  });

  it('each backend depends on @resolute/core plus at most its own drivers, and is listed in BACKENDS', async () => {
    const core = await readManifest('core');
    // Tools in packages/ (the CLI) compose backends like apps do: they are tagged scope:tool and not backends.
    const manifests = await Promise.all((await packageDirs()).filter((d) => d !== 'core').map(async (d) => [d, await readManifest(d)] as const));
    const backends = manifests.filter(([, m]) => !m.nx?.tags?.includes('scope:tool'));
    expect(backends.map(([d]) => d)).toContain('level-store');
    const problems = backends.flatMap(([d, m]) => backendManifestProblems(d, m, core.version));
    expect(problems).toEqual([]);
  });

  it('core sources import no backend driver and no other @resolute package', async () => {
    const src = join(PACKAGES_DIR, 'core', 'src');
    const files = await sourceFiles(src);
    expect(files.length).toBeGreaterThan(0);
    const found: string[] = [];
    for (const file of files) {
      for (const hit of forbiddenImports(await readFile(file, 'utf8'))) found.push(`${relative(PACKAGES_DIR, file)}:${hit}`);
    }
    expect(found).toEqual([]);
  });
});

describe('the boundary checks catch violations', () => {
  const core: Manifest = { name: CORE, version: '0.1.0', dependencies: { zod: '^4' }, nx: { tags: ['scope:core'] } };

  it('flags a driver or another @resolute package in any section of core', () => {
    expect(coreManifestProblems(core)).toEqual([]);
    expect(coreManifestProblems({ ...core, dependencies: { zod: '^4', level: '^10' } })).toHaveLength(1);
    expect(coreManifestProblems({ ...core, devDependencies: { ioredis: '^5' } })).toHaveLength(1);
    expect(coreManifestProblems({ ...core, peerDependencies: { '@resolute/level-store': '0.1.0' } })).toHaveLength(1);
    expect(coreManifestProblems({ ...core, nx: { tags: [] } })).toHaveLength(1);
  });

  it('flags a backend without core, with a foreign driver, with a wrong core version, or not in the table', () => {
    const ok: Manifest = { name: '@resolute/level-store', version: '0.1.0', dependencies: { [CORE]: '0.1.0', level: '^10' }, nx: { tags: ['scope:backend'] } };
    expect(backendManifestProblems('level-store', ok, '0.1.0')).toEqual([]);
    expect(backendManifestProblems('level-store', { ...ok, dependencies: { level: '^10' } }, '0.1.0')).toHaveLength(1);
    expect(backendManifestProblems('level-store', { ...ok, dependencies: { [CORE]: '0.1.0', level: '^10', zeromq: '^6' } }, '0.1.0')).toHaveLength(1);
    expect(backendManifestProblems('level-store', ok, '0.2.0')).toHaveLength(1);
    expect(backendManifestProblems('carrier-pigeon', ok, '0.1.0')).toHaveLength(1);
  });

  it('finds static, dynamic, require and side-effect imports of drivers, not of core or look-alikes', () => {
    const source = [
      "import { Level } from 'level';",
      "import 'zeromq/v5-compat';",
      "const r = await import('ioredis');",
      "const a = require(\"amqplib\");",
      "export { x } from '@resolute/redis-bus';",
      "import { createBus } from '@resolute/core';",
      "import { y } from '@resolute/core/testing';",
      "import { z } from 'levelup-helpers';",
      "import { readFile } from 'node:fs/promises';",
    ].join('\n');
    expect(forbiddenImports(source)).toEqual(['1: level', '2: zeromq/v5-compat', '3: ioredis', '4: amqplib', '5: @resolute/redis-bus']);
  });
});
