import { jsonLines, startNodeScript, waitFor, type Child } from '@resolute/core/testing';
import { fileURLToPath } from 'node:url';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

export const SCRIPTS = {
  broker: fixture('broker-process.mjs'),
  worker: fixture('worker-process.mjs'),
  titanic: fixture('titanic-process.mjs'),
  client: fixture('client-process.mjs'),
} as const;

/** Child processes of one test: started through it, all SIGKILLed by killAll(). */
export class Processes {
  private readonly children: Child[] = [];

  start(script: string, args: readonly string[]): Child {
    const child = startNodeScript(script, args);
    this.children.push(child);
    return child;
  }

  /** Starts a script and waits for its {"event":"started"} line (its stderr is in the timeout message). */
  async started(script: string, args: readonly string[]): Promise<Child> {
    const child = this.start(script, args);
    await waitFor(() => hasEvent(child, 'started'), { timeoutMs: 15_000, message: () => `${script} to start: ${child.stderr()}` });
    return child;
  }

  async killAll(): Promise<void> {
    await Promise.all(this.children.splice(0).map((child) => child.kill()));
  }
}

export const hasEvent = (child: Child, event: string): boolean => jsonLines(child).some((line) => line.event === event);

export const events = (child: Child, event: string): Array<Record<string, unknown>> => jsonLines(child).filter((line) => line.event === event);
