import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserStore, USERS_FILE } from '../src/index.js';

let dir: string;
const open: UserStore[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'users-'));
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

async function store(): Promise<UserStore> {
  const s = await UserStore.open(dir);
  open.push(s);
  return s;
}

async function reopen(s: UserStore): Promise<UserStore> {
  await s.close();
  open.splice(open.indexOf(s), 1);
  return store();
}

describe('UserStore', () => {
  it('has a user on disk when add resolves', async () => {
    const s = await store();
    const added = await s.add({ name: 'Ada', email: 'ada@example.com' });
    expect('user' in added && added.user).toMatchObject({ name: 'Ada', email: 'ada@example.com', userId: expect.stringMatching(/^[0-9A-Z]{26}$/) });
    const lines = (await readFile(join(dir, USERS_FILE), 'utf8')).trim().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ type: 'user', email: 'ada@example.com' });
  });

  it('refuses an email that is already signed up, whatever its case, even when both arrive at once', async () => {
    const s = await store();
    const [a, b] = await Promise.all([s.add({ name: 'Ada', email: 'ada@example.com' }), s.add({ name: 'Ada 2', email: 'ADA@example.com' })]);
    expect('user' in a).toBe(true);
    expect(b).toEqual({ taken: true });
    expect(s.size).toBe(1);
  });

  it('remembers users across a restart, and which ones still need their event published', async () => {
    const s = await store();
    const published = await s.add({ name: 'Ada', email: 'ada@example.com' });
    const pending = await s.add({ name: 'Bob', email: 'bob@example.com' });
    if (!('user' in published) || !('user' in pending)) throw new Error('not added');
    await s.markPublished(published.user.userId, '01MSG');
    // A crash between the two writes of the next signup leaves half a line behind.
    await appendFile(join(dir, USERS_FILE), '{"type":"user","userId":"01X","na');
    const again = await reopen(s);
    expect(again.size).toBe(2);
    expect(again.hasEmail('Bob@Example.com')).toBe(true);
    expect(again.unpublished().map((u) => u.email)).toEqual(['bob@example.com']);
  });
});
