import { type ChildProcess, spawn } from 'node:child_process';

/** A node process running a script, with its stdout split into lines as they arrive. */
export interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Complete stdout lines so far. */
  readonly lines: string[];
  /** Everything written to stderr, for failure messages. */
  stderr(): string;
  /** Resolves once the process has exited and been reaped. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL (no cleanup, like a power cut for the process), then wait for the exit. */
  kill(): Promise<void>;
}

/** Starts `node <script> ...args` with extra environment variables (RESOLUTE_FAULT, say). */
export function startNodeScript(script: string, args: readonly string[] = [], env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  if (child.pid === undefined) throw new Error(`could not start ${script}`);
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    process: child,
    pid: child.pid,
    lines,
    stderr: () => stderr,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The JSON events a script printed (lines starting with '{'). */
export function jsonLines(child: Child): Array<Record<string, unknown>> {
  return child.lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** mulberry32: a small seeded PRNG, so a chaos run can be replayed from its printed seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
