import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { newId } from '@resolute/core';
import type { SignupInput } from './validation.js';

export interface User {
  userId: string;
  name: string;
  email: string;
  signedUpAt: string;
}

type Line = ({ type: 'user' } & User) | { type: 'published'; userId: string; messageId: string };

export const USERS_FILE = 'users.jsonl';

/**
 * The website's own users, kept simple and durable: one JSON line per user appended to `users.jsonl` and fsync'd
 * before `add` resolves, then a `published` line once its `user.signedUp` event is durably in the bus outbox. A user
 * without that second line (the process died in between) is in `unpublished()`, and the website publishes it again
 * at start: the event is never silently missing. Emails are unique, compared case-insensitively.
 */
export class UserStore {
  private readonly users = new Map<string, User>();
  private readonly byEmail = new Map<string, string>();
  private readonly pending = new Set<string>();
  private writes: Promise<void> = Promise.resolve();

  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
  ) {}

  static async open(dir: string): Promise<UserStore> {
    await mkdir(dir, { recursive: true });
    const file = join(dir, USERS_FILE);
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
    }
    const store = new UserStore(file, await open(file, 'a'));
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let record: Line;
      try {
        record = JSON.parse(line) as Line;
      } catch {
        continue; // torn by a crash mid-write: that signup was never confirmed to the person
      }
      if (record.type === 'user') {
        const { type: _type, ...user } = record;
        store.remember(user);
        store.pending.add(user.userId);
      } else if (record.type === 'published') {
        store.pending.delete(record.userId);
      }
    }
    return store;
  }

  get size(): number {
    return this.users.size;
  }

  hasEmail(email: string): boolean {
    return this.byEmail.has(email.toLowerCase());
  }

  /** Stores a new user durably; `{ taken: true }` when the email is already signed up (checked before any await). */
  async add(input: SignupInput): Promise<{ user: User } | { taken: true }> {
    if (this.hasEmail(input.email)) return { taken: true };
    const user: User = { userId: newId(), name: input.name, email: input.email, signedUpAt: new Date().toISOString() };
    this.remember(user);
    this.pending.add(user.userId);
    try {
      await this.append({ type: 'user', ...user });
    } catch (error) {
      this.users.delete(user.userId);
      this.byEmail.delete(user.email.toLowerCase());
      this.pending.delete(user.userId);
      throw error;
    }
    return { user };
  }

  /** Records that the user's `user.signedUp` event is durably published (bus message `messageId`). */
  async markPublished(userId: string, messageId: string): Promise<void> {
    await this.append({ type: 'published', userId, messageId });
    this.pending.delete(userId);
  }

  /** Users whose event was not (yet) confirmed published, oldest first. */
  unpublished(): User[] {
    return [...this.pending].map((id) => this.users.get(id)).filter((u): u is User => u !== undefined);
  }

  async close(): Promise<void> {
    await this.writes;
    await this.handle.close();
  }

  private remember(user: User): void {
    this.users.set(user.userId, user);
    this.byEmail.set(user.email.toLowerCase(), user.userId);
  }

  private append(line: Line): Promise<void> {
    const write = this.writes.then(async () => {
      await this.handle.write(`${JSON.stringify(line)}\n`);
      await this.handle.datasync();
    });
    this.writes = write.catch(() => undefined);
    return write;
  }
}
