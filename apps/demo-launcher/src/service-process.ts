import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';

/** One of the demo's processes: what to run and how to tell it is up. */
export interface ServiceSpec {
  /** Short name, used as the prefix of its output lines. */
  name: string;
  /** Absolute path of its entry script. */
  entry: string;
  /** Its GET /healthz. */
  healthUrl: string;
}

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  readonly spec: ServiceSpec;
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ServiceExit>;
  /** Whether it has exited. */
  readonly running: boolean;
  /** Its output so far (stdout and stderr, by line), for failure messages. */
  output(): string[];
  /** SIGTERM (a clean stop), then SIGKILL if it has not exited within `timeoutMs`; resolves with how it ended. */
  stop(timeoutMs?: number): Promise<ServiceExit>;
}

export interface StartServiceOptions {
  env?: Record<string, string | undefined>;
  /** Called with each output line (default: none; output() keeps them anyway). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

/** Starts `node <entry>` as a child process, its output split into lines. */
export function startService(spec: ServiceSpec, options: StartServiceOptions = {}): ServiceProcess {
  const child = spawn(process.execPath, [spec.entry], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  const lines: string[] = [];
  let running = true;
  for (const stream of ['stdout', 'stderr'] as const) {
    let partial = '';
    child[stream].setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        options.onLine?.(line, stream);
      }
    });
  }
  const exited = new Promise<ServiceExit>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
    child.once('error', () => {
      running = false;
      resolve({ code: null, signal: null });
    });
  });
  return {
    spec,
    child,
    exited,
    get running() {
      return running;
    },
    output: () => [...lines],
    async stop(timeoutMs = 10_000) {
      if (running) child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (running) child.kill('SIGKILL');
      }, timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * Polls the service's health endpoint until it answers 200 with a body that `ready` accepts; rejects early if the
 * process exits, and after `timeoutMs` with its last output lines in the message.
 */
export async function waitUntilHealthy(service: ServiceProcess, ready: (body: unknown) => boolean = () => true, timeoutMs = 20_000): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (!service.running) throw new Error(`${service.spec.name} exited before it was ready:\n${service.output().slice(-20).join('\n')}`);
    try {
      const response = await fetch(service.spec.healthUrl, { signal: AbortSignal.timeout(1_000) });
      const body: unknown = await response.json();
      if (response.ok && ready(body)) return body;
      last = `${response.status} ${JSON.stringify(body)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await delay(100);
  }
  throw new Error(`${service.spec.name} not ready within ${timeoutMs} ms at ${service.spec.healthUrl} (${last}):\n${service.output().slice(-20).join('\n')}`);
}
