import { fileURLToPath } from 'node:url';
import { type Child, jsonLines, startNodeScript, waitFor } from '@resolute/core/testing';

export type { Child };

/** Runs one of ./fixtures in its own node process (they import the built package: build it first). */
export function startFixture(name: string, args: readonly string[]): Child {
  return startNodeScript(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url)), args);
}

export const events = jsonLines;

/** Starts a fixture and waits for its first JSON line (ready or error). */
export async function startReported(name: string, args: readonly string[]): Promise<{ child: Child; first: Record<string, unknown> }> {
  const child = startFixture(name, args);
  const first = await waitFor(() => events(child)[0], { timeoutMs: 15_000, message: () => `${name} reported (stderr: ${child.stderr()})` });
  return { child, first };
}
