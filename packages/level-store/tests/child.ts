import { fileURLToPath } from 'node:url';
import { type Child, jsonLines, startNodeScript } from '@resolute/core/testing';

export type { Child };

/** Runs one of ./fixtures in its own node process. */
export function startFixture(name: string, args: string[]): Child {
  return startNodeScript(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), args);
}

export const events = jsonLines;
