import { newId } from '@resolute/core';
import { JsonLinesLog } from 'demo-kit';
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

  private constructor(private readonly log: JsonLinesLog<Line>) {}

  static async open(dir: string): Promise<UserStore> {
    const { log, records } = await JsonLinesLog.open<Line>(dir, USERS_FILE);
    const store = new UserStore(log);
    for (const record of records) {
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

  /** Path of `users.jsonl`. */
  get file(): string {
    return this.log.file;
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
      await this.log.append({ type: 'user', ...user });
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
    await this.log.append({ type: 'published', userId, messageId });
    this.pending.delete(userId);
  }

  /** Users whose event was not (yet) confirmed published, oldest first. */
  unpublished(): User[] {
    return [...this.pending].map((id) => this.users.get(id)).filter((u): u is User => u !== undefined);
  }

  close(): Promise<void> {
    return this.log.close();
  }

  private remember(user: User): void {
    this.users.set(user.userId, user);
    this.byEmail.set(user.email.toLowerCase(), user.userId);
  }
}
