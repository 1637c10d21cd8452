import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { JsonLinesLog } from '../src/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jsonl-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

it('keeps records appended after a torn last line across the next restarts', async () => {
  const first = await JsonLinesLog.open<{ n: number }>(dir, 'log.jsonl');
  await first.log.append({ n: 1 });
  await first.log.close();
  await appendFile(join(dir, 'log.jsonl'), '{"n": 2, "torn'); // a crash in the middle of a write
  const second = await JsonLinesLog.open<{ n: number }>(dir, 'log.jsonl');
  expect(second.records).toEqual([{ n: 1 }]);
  await second.log.append({ n: 3 });
  await second.log.close();
  const third = await JsonLinesLog.open<{ n: number }>(dir, 'log.jsonl');
  expect(third.records).toEqual([{ n: 1 }, { n: 3 }]);
  await third.log.close();
});
