import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built binary: the tests run exactly what `npm install @resolute/cli` puts on the PATH. */
export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as one JSON document (throws, failing the test, when it is not exactly one). */
  json<T>(): T;
}

/**
 * Runs `node dist/bin.js ...args` with stdin not a terminal (like a script or CI), and resolves once it exited.
 * `env` is added to this process's environment (RESOLUTE_PROFILE removed unless given).
 */
export function resolute(args: readonly string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliRun> {
  const { RESOLUTE_PROFILE: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...inherited, ...options.env },
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({
        code,
        stdout,
        stderr,
        json<T>() {
          try {
            return JSON.parse(stdout) as T;
          } catch (error) {
            throw new Error(`stdout is not one JSON document (${(error as Error).message}):\n${stdout}\nstderr:\n${stderr}`, { cause: error });
          }
        },
      });
    });
  });
}

/** Runs the CLI and asserts it exited with `code`, showing both streams when it did not. */
export async function expectExit(args: readonly string[], code: number, options: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliRun> {
  const run = await resolute(args, options);
  if (run.code !== code) throw new Error(`resolute ${args.join(' ')} exited ${run.code}, expected ${code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  return run;
}
