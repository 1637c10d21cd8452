import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { type Logger, ResoluteError } from '@resolute/core';
import { LuaScript } from '../connection/lua-script.js';
import { mapRedisError } from '../connection/map-redis-error.js';
import type { RedisClient } from '../connection/redis-connection.js';
import { PACKAGE_VERSION } from './package-id.js';

/**
 * The store lock: one string key holding its holder's JSON, set with SET NX PX (so it expires if the holder stops
 * renewing it), renewed every third of its time to live by compare-and-renew, deleted on close by compare-and-delete.
 * Every batch checks it too, in the same script that writes (store-batch-n.lua): an instance whose lock was taken by
 * another can no longer write, even before its own renewal notices. The fields match @resolute/level-store's lock
 * file, so tools show both alike.
 */
export interface RedisLockHolder {
  pid: number;
  hostname: string;
  /** ISO 8601 time the holder took the lock. */
  startedAt: string;
  /** Version of @resolute/redis-bus the holder runs. */
  version: string;
  /** Random, per open: tells two opens of one process apart. */
  token: string;
}

/**
 * 'none': nobody holds the store. 'alive': a running process of this host. 'dead': a process of this host that no
 * longer runs (its lock has not expired yet). 'foreign': another host, whose processes cannot be checked from here.
 * 'unreadable': the key holds something that is not a RedisStore lock.
 */
export type RedisLockState = 'none' | 'alive' | 'dead' | 'foreign' | 'unreadable';

export interface RedisLockReport {
  state: RedisLockState;
  holder?: RedisLockHolder;
  /** Milliseconds until the lock expires unless renewed (undefined when it never expires or there is none). */
  ttlMs?: number;
  /** The value as stored (what compare-and-delete compares with). */
  raw?: string;
}

/** Where a lock is, for messages: `where` names the store, `unlock` is the command that removes its lock. */
export interface LockSite {
  readonly key: string;
  readonly where: string;
  readonly unlock: string;
}

const RENEW = new LuaScript('store-lock-renew-1', 1);
const RELEASE = new LuaScript('store-lock-release-1', 1);
const TAKEOVER = new LuaScript('store-lock-takeover-1', 1);

export async function inspectStoreLock(client: RedisClient, key: string): Promise<RedisLockReport> {
  const [raw, ttl] = await Promise.all([client.get(key), client.pttl(key)]);
  if (raw === null) return { state: 'none' };
  const ttlMs = ttl >= 0 ? ttl : undefined;
  const holder = parseHolder(raw);
  if (holder === undefined) return { state: 'unreadable', raw, ...(ttlMs === undefined ? {} : { ttlMs }) };
  return { state: holderState(holder), holder, raw, ...(ttlMs === undefined ? {} : { ttlMs }) };
}

/**
 * Removes the lock (for `resolute unlock`), by compare-and-delete of the value inspected, so a lock taken meanwhile
 * by someone else is left alone. Without `force` it refuses (STORE_LOCKED) a holder that is alive, on another host,
 * or unreadable.
 */
export async function removeStoreLock(client: RedisClient, site: LockSite, force: boolean): Promise<{ removed: boolean; before: RedisLockReport }> {
  const before = await inspectStoreLock(client, site.key);
  if (before.state === 'none') return { removed: false, before };
  if (!force && before.state !== 'dead') throw lockedError(site, before, 'unlock');
  const removed = (await RELEASE.run(client, [site.key], [before.raw!])) === 1;
  return { removed, before };
}

export interface AcquireOptions {
  readonly ttlMs: number;
  readonly staleLock: 'takeover' | 'refuse';
  readonly logger: Logger;
}

/** A lock this instance holds: renewed on a timer until released. */
export class StoreLock {
  private timer: NodeJS.Timeout | undefined;
  private renewing = false;
  private lostTo: RedisLockHolder | string | undefined;

  private constructor(
    private readonly client: RedisClient,
    private readonly site: LockSite,
    /** The exact value stored: batches and renewals compare with it. */
    readonly value: string,
    private readonly options: AcquireOptions,
  ) {}

  /** Takes the lock, or rejects with STORE_LOCKED naming the holder and what to do. */
  static async acquire(client: RedisClient, site: LockSite, options: AcquireOptions): Promise<StoreLock> {
    const mine: RedisLockHolder = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), version: PACKAGE_VERSION, token: randomBytes(8).toString('hex') };
    const value = JSON.stringify(mine);
    const ttl = String(options.ttlMs);
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        if ((await client.set(site.key, value, 'PX', ttl, 'NX')) === 'OK') return new StoreLock(client, site, value, options);
        const report = await inspectStoreLock(client, site.key);
        if (report.state === 'none') continue; // expired or released between our two steps
        const stale = report.state === 'dead' || report.state === 'unreadable';
        if (!stale || options.staleLock === 'refuse') throw lockedError(site, report, 'open');
        if ((await TAKEOVER.run(client, [site.key], [report.raw!, value, ttl])) === 1) {
          options.logger.warn(
            { store: site.where, stalePid: report.holder?.pid, staleStartedAt: report.holder?.startedAt, staleVersion: report.holder?.version },
            `took over the lock of ${site.where} left by ${report.holder === undefined ? 'an unreadable lock value' : `process ${report.holder.pid}`}, which is no longer running`,
          );
          return new StoreLock(client, site, value, options);
        }
      }
    } catch (error) {
      throw mapRedisError(error, `taking the lock of ${site.where}`);
    }
    throw new ResoluteError('STORE_LOCKED', `could not take the lock of ${site.where}: other processes keep changing it. Retry once they settle.`, {
      retryable: false,
      details: { key: site.key },
    });
  }

  /** Who took the lock from this instance (it can no longer write), or undefined while it is ours. */
  get lost(): RedisLockHolder | string | undefined {
    return this.lostTo;
  }

  /** Renews every third of the time to live. The timer does not keep the process alive. */
  startRenewing(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.renew(), Math.max(100, Math.floor(this.options.ttlMs / 3)));
    this.timer.unref();
  }

  /** Stops renewing and deletes the lock if it is still ours. Never throws: a lock left behind expires by itself. */
  async release(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.lostTo !== undefined) return;
    try {
      await RELEASE.run(this.client, [this.site.key], [this.value]);
    } catch (error) {
      this.options.logger.warn({ store: this.site.where, err: mapRedisError(error, 'releasing the lock') }, `could not release the lock of ${this.site.where}: it expires by itself in ${this.options.ttlMs} ms`);
    }
  }

  /** Marks the lock lost to `holder` (seen by a batch): renewing stops, the caller's batches reject. */
  markLost(holder: string): void {
    if (this.lostTo !== undefined) return;
    this.lostTo = parseHolder(holder) ?? holder;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.options.logger.error(
      { store: this.site.where, holder: this.lostTo },
      `lost the lock of ${this.site.where} to ${describeHolder(this.lostTo)}: this instance no longer writes (batches reject with STORE_LOCKED). Two processes use the same store name, or this one paused longer than lockTtlMs; close it and find out which`,
    );
  }

  /** The STORE_LOCKED error a batch of an instance that lost its lock rejects with. */
  lostError(): ResoluteError {
    return new ResoluteError('STORE_LOCKED', `${this.site.where} is now held by ${describeHolder(this.lostTo ?? '?')}: this instance lost its lock and no longer writes. Close it; only one process may use a store name.`, {
      retryable: false,
      details: { key: this.site.key, holder: this.lostTo },
    });
  }

  private async renew(): Promise<void> {
    if (this.renewing || this.lostTo !== undefined) return;
    this.renewing = true;
    try {
      const [code, holder] = (await RENEW.run(this.client, [this.site.key], [this.value, String(this.options.ttlMs)])) as [number, string?];
      if (code === 2) {
        this.options.logger.warn({ store: this.site.where }, `the lock of ${this.site.where} had expired (Redis lost it, or this process paused longer than lockTtlMs) and nobody had taken it: taken again`);
      } else if (code === 0) {
        this.markLost(holder ?? '?');
      }
    } catch (error) {
      this.options.logger.warn({ store: this.site.where, err: mapRedisError(error, 'renewing the lock') }, `could not renew the lock of ${this.site.where}: retrying`);
    } finally {
      this.renewing = false;
    }
  }
}

export function lockedError(site: LockSite, report: RedisLockReport, doing: 'open' | 'unlock'): ResoluteError {
  const details = { key: site.key, lock: report.state, ...(report.holder === undefined ? {} : { holder: report.holder }), ttlMs: report.ttlMs };
  const expires = report.ttlMs === undefined ? 'it does not expire' : `it expires in ${Math.ceil(report.ttlMs / 1000)} s unless renewed`;
  if (report.holder === undefined) {
    return new ResoluteError('STORE_LOCKED', `the lock of ${site.where} (${site.key}) holds something that is not a RedisStore lock (${expires}): if no process uses the store, run \`${site.unlock} --force\`.`, {
      retryable: false,
      details,
    });
  }
  const who = `${describeHolder(report.holder)} (since ${report.holder.startedAt}, redis-bus ${report.holder.version})`;
  let message: string;
  if (report.state === 'alive') {
    message =
      doing === 'unlock'
        ? `${site.where} is in use by ${who}, which is alive: stop that process and the lock goes with it; pass --force only if pid ${report.holder.pid} is not that service (a reused pid).`
        : `${site.where} is in use by ${who}: stop that process, or run \`${site.unlock}\` if you are sure it is gone.`;
  } else if (report.state === 'foreign') {
    message = `${site.where} is locked by ${who}, another host, whose liveness cannot be checked from here (${expires}): stop it there, or run \`${site.unlock} --force\` if you are sure it is gone.`;
  } else {
    message = `${site.where} is locked by ${who}, which is no longer running (staleLock is 'refuse'; ${expires}): run \`${site.unlock}\`, or open with staleLock 'takeover'.`;
  }
  return new ResoluteError('STORE_LOCKED', message, { retryable: false, details });
}

function describeHolder(holder: RedisLockHolder | string): string {
  return typeof holder === 'string' ? `an unreadable lock value ${JSON.stringify(holder.slice(0, 200))}` : `process ${holder.pid} on ${holder.hostname}`;
}

function holderState(holder: RedisLockHolder): RedisLockState {
  if (holder.hostname !== hostname()) return 'foreign';
  return isProcessAlive(holder.pid) ? 'alive' : 'dead';
}

function parseHolder(raw: string): RedisLockHolder | undefined {
  try {
    const value = JSON.parse(raw) as Partial<RedisLockHolder> | null;
    if (
      value !== null &&
      typeof value === 'object' &&
      Number.isInteger(value.pid) &&
      (value.pid as number) > 0 &&
      typeof value.hostname === 'string' &&
      typeof value.startedAt === 'string' &&
      typeof value.version === 'string' &&
      typeof value.token === 'string'
    ) {
      return { pid: value.pid as number, hostname: value.hostname, startedAt: value.startedAt, version: value.version, token: value.token };
    }
  } catch {
    // not JSON: unreadable
  }
  return undefined;
}

/** Signal 0 checks existence: ESRCH means gone, EPERM means it runs under another user. */
function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
