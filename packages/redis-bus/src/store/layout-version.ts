import { NAMESPACES, putOp, ResoluteError, type StoreOperation } from '@resolute/core';
import { mapRedisError } from '../connection/map-redis-error.js';
import type { RedisClient } from '../connection/redis-connection.js';
import { PACKAGE_ID } from './package-id.js';
import type { StoreKeys } from './store-keys.js';

/**
 * The key layout version, kept at meta/layout (a decimal string) with meta/layout-writer naming the release that
 * wrote it, as @resolute/level-store does (so `resolute status` reads both alike). Bump LAYOUT_VERSION whenever the
 * Redis keys or values change shape (see StoreKeys), and teach open() to migrate.
 */
export const LAYOUT_VERSION = 1;

const LAYOUT = 'layout';
const LAYOUT_WRITER = 'layout-writer';

/** meta keys batch() refuses to touch: losing them would make the next open fail. */
export function isReservedKey(namespace: string, key: string): boolean {
  return namespace === NAMESPACES.meta && (key === LAYOUT || key === LAYOUT_WRITER);
}

export interface LayoutCheck {
  readonly client: RedisClient;
  readonly keys: StoreKeys;
  /** The store, for messages. */
  readonly where: string;
  /** Read-only opens never write: a new store is left uncreated. */
  readonly readOnly: boolean;
  /** Writes the layout records (through the store's fenced batch script). */
  readonly write: (operations: StoreOperation[]) => Promise<void>;
}

/**
 * Checks the layout of a store just opened. An empty store gets the current version. A higher version rejects with
 * STORE_VERSION (naming the release that wrote it); a missing or unreadable version on a store that holds data
 * rejects with STORE_CORRUPT.
 */
export async function checkLayout(check: LayoutCheck): Promise<void> {
  const { client, keys, where } = check;
  let stored: Buffer | null;
  let writerBytes: Buffer | null;
  let namespaces: number;
  try {
    [stored = null, writerBytes = null] = await client.hmgetBuffer(keys.hash(NAMESPACES.meta), LAYOUT, LAYOUT_WRITER);
    namespaces = stored === null ? await client.scard(keys.namespaces) : 0;
  } catch (error) {
    throw mapRedisError(error, `checking the layout version of ${where}`);
  }
  if (stored === null) {
    if (namespaces > 0) {
      throw new ResoluteError(
        'STORE_CORRUPT',
        `${where} holds data but no layout version (meta/layout): it was not written by @resolute/redis-bus, or its bookkeeping ` +
          'was deleted. Use another store name or key prefix, or restore it from a backup.',
        { retryable: false, details: { key: keys.hash(NAMESPACES.meta) } },
      );
    }
    if (!check.readOnly) await check.write([putOp(NAMESPACES.meta, LAYOUT, Buffer.from(String(LAYOUT_VERSION))), putOp(NAMESPACES.meta, LAYOUT_WRITER, Buffer.from(PACKAGE_ID))]);
    return;
  }
  const text = stored.toString('utf8');
  const version = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(version) || version < 1) {
    throw new ResoluteError('STORE_CORRUPT', `${where} has an unreadable layout version ${JSON.stringify(text)}: restore it from a backup.`, {
      retryable: false,
      details: { layout: text },
    });
  }
  if (version > LAYOUT_VERSION) {
    const writer = writerBytes?.toString('utf8') ?? 'a newer @resolute/redis-bus';
    throw new ResoluteError(
      'STORE_VERSION',
      `${where} has layout version ${version}, written by ${writer}; ${PACKAGE_ID} reads layout ${LAYOUT_VERSION} and older. ` +
        `Upgrade to ${writer} or later to open it.`,
      { retryable: false, details: { layout: version, supported: LAYOUT_VERSION, writer } },
    );
  }
}
