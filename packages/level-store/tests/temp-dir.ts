import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueName } from '@resolute/core/testing';

/** A fresh directory under the OS temp dir, and its removal. Every test gets its own. */
export async function tempDir(prefix = 'level-store'): Promise<{ path: string; remove: () => Promise<void> }> {
  const parent = await mkdtemp(join(tmpdir(), `${uniqueName(prefix)}-`));
  const path = join(parent, 'store');
  return { path, remove: () => rm(parent, { recursive: true, force: true }) };
}
