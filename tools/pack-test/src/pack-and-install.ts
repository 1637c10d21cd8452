import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root (this file is tools/pack-test/src/pack-and-install.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface PackAndInstallOptions {
  /** Directories under packages/ to pack and install together, e.g. `['core', 'level-store']`. Build them first. */
  packages: readonly string[];
  /** Source of `example.mjs`, written into the project (shorthand for `files: { 'example.mjs': ... }`). */
  example?: string;
  /** More files to write into the project, by path relative to it. */
  files?: Readonly<Record<string, string>>;
  /** Limit for `npm install` (ms). Default 180000: it reaches the registry and may fetch native prebuilds. */
  installTimeoutMs?: number;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The last stdout line that parses as JSON, if any: how examples report what they did. */
  result: unknown;
}

export interface InstalledPackage {
  name: string;
  version: string;
  /** Directory relative to the project, e.g. `node_modules/level/node_modules/x`. */
  path: string;
}

/** An empty npm project outside the monorepo with the tarballs installed. Delete it with `close()`. */
export interface PackedProject extends AsyncDisposable {
  /** The temporary root: holds `tarballs/`, `app/` (the project) and `data/` (for examples to write to). */
  readonly root: string;
  /** The project directory: `npm init -y`, `"type": "module"`, tarballs installed. */
  readonly dir: string;
  /** Scratch directory for stores and the like, removed with the rest; examples get it as DATA_DIR. */
  readonly dataDir: string;
  readonly tarballs: readonly string[];
  /** Runs `node <file> ...args` in the project with DATA_DIR set. Never rejects on a non-zero exit: check `code`. */
  run(file: string, args?: readonly string[], options?: { timeoutMs?: number; env?: Record<string, string> }): Promise<RunResult>;
  /** Every package on disk under the project's node_modules, nested ones included. */
  installed(): Promise<InstalledPackage[]>;
  /** The project's package-lock.json. */
  lockfile(): Promise<{ packages: Record<string, { version?: string; resolved?: string; link?: boolean }> }>;
  /** Removes the whole temporary root. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * What an app does on a fresh machine, minus the registry for our own packages: `npm pack` each package (from its
 * built dist), then in a new project under os.tmpdir() `npm init -y` and `npm install <tarballs>`. Dependencies of
 * the tarballs (level, zod, ...) come from the registry. The temporary root is removed if any step fails.
 */
export async function packAndInstall(options: PackAndInstallOptions): Promise<PackedProject> {
  const root = await mkdtemp(join(tmpdir(), 'resolute-pack-'));
  try {
    const tarballDir = join(root, 'tarballs');
    const dir = join(root, 'app');
    const dataDir = join(root, 'data');
    await Promise.all([mkdir(tarballDir), mkdir(dir), mkdir(dataDir)]);
    const tarballs: string[] = [];
    for (const pkg of options.packages) tarballs.push(await pack(join(REPO_ROOT, 'packages', pkg), tarballDir));
    await npm(['init', '-y'], dir);
    await npm(['pkg', 'set', 'type=module'], dir);
    await npm(['install', '--no-audit', '--no-fund', ...tarballs], dir, options.installTimeoutMs ?? 180_000);
    const files = { ...options.files, ...(options.example === undefined ? {} : { 'example.mjs': options.example }) };
    for (const [name, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await writeFile(join(dir, name), text);
    }
    let closed: Promise<void> | undefined;
    const close = (): Promise<void> => (closed ??= rm(root, { recursive: true, force: true }));
    return {
      root,
      dir,
      dataDir,
      tarballs,
      run: (file, args = [], runOptions = {}) => runNode(dir, file, args, { DATA_DIR: dataDir, ...runOptions.env }, runOptions.timeoutMs ?? 60_000),
      installed: () => listInstalled(dir, 'node_modules'),
      lockfile: async () => JSON.parse(await readFile(join(dir, 'package-lock.json'), 'utf8')) as Awaited<ReturnType<PackedProject['lockfile']>>,
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

async function pack(packageDir: string, destination: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as { name: string; main?: string };
  const entry = join(packageDir, manifest.main ?? 'dist/index.js');
  await access(entry).catch(() => {
    throw new Error(`${manifest.name} is not built (${entry} is missing): run \`npx nx run-many -t build\` first`);
  });
  const { stdout } = await npm(['pack', '--json', '--pack-destination', destination], packageDir);
  const [packed] = JSON.parse(stdout) as { filename: string }[];
  if (packed === undefined) throw new Error(`npm pack in ${packageDir} reported no tarball:\n${stdout}`);
  return join(destination, packed.filename);
}

/**
 * The environment for child npm and node: ours, minus what an outer `npm run` exported for *this* package and
 * workspace (npm_package_*, npm_config_workspace, npm_config_local_prefix, ...), which would make the child npm act
 * on the monorepo instead of the temp project. Registry, cache and proxy settings pass through.
 */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keep = /^npm_config_(registry|.*:registry|cache|userconfig|globalconfig|.*proxy|cafile|ca|strict_ssl|prefer_offline|offline|fetch_.*)$/i;
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) && !keep.test(key)) continue;
    if (key === 'INIT_CWD' || key.startsWith('VITEST') || key === 'NODE_ENV') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Output> {
  return new Promise((resolvePromise) => {
    execFile(command, args, { cwd, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      const note = error !== null && error.killed ? `\n[killed after ${timeoutMs} ms]` : '';
      resolvePromise({ code, stdout, stderr: stderr + note });
    });
  });
}

async function npm(args: readonly string[], cwd: string, timeoutMs = 60_000): Promise<Output> {
  const out = await exec('npm', args, cwd, childEnv(), timeoutMs);
  if (out.code !== 0) throw new Error(`npm ${args.join(' ')} (in ${cwd}) exited ${out.code}:\n${out.stderr.slice(-4000)}`);
  return out;
}

async function runNode(cwd: string, file: string, args: readonly string[], env: Record<string, string>, timeoutMs: number): Promise<RunResult> {
  const out = await exec(process.execPath, [file, ...args], cwd, childEnv(env), timeoutMs);
  return { ...out, result: lastJsonLine(out.stdout) };
}

function lastJsonLine(stdout: string): unknown {
  const lines = stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{') || l.startsWith('['));
  for (const line of lines.reverse()) {
    try {
      return JSON.parse(line);
    } catch {
      // not JSON after all: try the line before
    }
  }
  return undefined;
}

async function listInstalled(projectDir: string, nodeModules: string): Promise<InstalledPackage[]> {
  let entries: string[];
  try {
    entries = await readdir(join(projectDir, nodeModules));
  } catch {
    return [];
  }
  const dirs: string[] = [];
  for (const entry of entries) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) dirs.push(...(await readdir(join(projectDir, nodeModules, entry))).map((s) => `${nodeModules}/${entry}/${s}`));
    else dirs.push(`${nodeModules}/${entry}`);
  }
  const found: InstalledPackage[] = [];
  for (const path of dirs) {
    const manifest = await readFile(join(projectDir, path, 'package.json'), 'utf8').then(
      (text) => JSON.parse(text) as { name?: string; version?: string },
      () => undefined,
    );
    if (manifest?.name !== undefined) found.push({ name: manifest.name, version: manifest.version ?? '', path });
    found.push(...(await listInstalled(projectDir, `${path}/node_modules`)));
  }
  return found;
}
