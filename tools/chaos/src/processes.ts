import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Child, startNodeScript, waitFor } from '@resolute/core/testing';

/** Path of a script under tools/chaos/tests/fixtures. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../tests/fixtures/${name}`, import.meta.url));
}

/** Starts a fixture and waits for its "ready" line. */
export async function startReady(name: string, args: string[], children: Child[]): Promise<Child> {
  const child = startNodeScript(fixture(name), args);
  children.push(child);
  await waitFor(() => child.lines.includes('ready'), { timeoutMs: 20_000, message: () => `${name} ready; stderr: ${child.stderr()}` });
  return child;
}

/** Lines of a side-effect log ("<producer> <seq>"), or none yet. */
export function effectLines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : [];
}

/** Distinct sequence numbers in a side-effect log. */
export function handledSeqs(file: string): Set<number> {
  return new Set(effectLines(file).map((l) => Number(l.split(' ')[1])));
}
