import { NAMESPACES, ResoluteError } from '@resolute/core';
import type { Level } from 'level';
import { encodeKey } from './key-codec.js';
import { mapLevelError } from './map-level-error.js';
import { PACKAGE_ID } from './package-version.js';

/**
 * The on-disk layout version, kept at meta/layout (a decimal string), with meta/layout-writer naming the release
 * that wrote it. Bump LAYOUT_VERSION whenever the key or value layout changes, and teach open() to migrate.
 */
export const LAYOUT_VERSION = 1;

export const LAYOUT_KEY = encodeKey(NAMESPACES.meta, 'layout');
export const LAYOUT_WRITER_KEY = encodeKey(NAMESPACES.meta, 'layout-writer');

/** Keys that batch() refuses to touch: losing them would make the next open fail. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([LAYOUT_KEY, LAYOUT_WRITER_KEY]);

/**
 * Checks the layout of a freshly opened database. An empty database gets the current version. A higher version
 * rejects with STORE_VERSION (naming the release that wrote it); a missing or unreadable version on a database that
 * holds data rejects with STORE_CORRUPT.
 */
export async function checkLayout(db: Level<string, Buffer>, path: string): Promise<void> {
  try {
    const stored = await db.get(LAYOUT_KEY);
    if (stored === undefined) {
      const any = await db.keys({ limit: 1 }).all();
      if (any.length > 0) {
        throw new ResoluteError(
          'STORE_CORRUPT',
          `the store in ${path} holds data but no layout version (meta/layout): it was not written by @resolute/level-store, ` +
            'or its bookkeeping was deleted. Point path at an empty directory or a Resolute store.',
          { details: { path } },
        );
      }
      await db.batch(
        [
          { type: 'put', key: LAYOUT_KEY, value: Buffer.from(String(LAYOUT_VERSION)) },
          { type: 'put', key: LAYOUT_WRITER_KEY, value: Buffer.from(PACKAGE_ID) },
        ],
        { sync: true },
      );
      return;
    }
    const text = stored.toString('utf8');
    const version = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
    if (!Number.isInteger(version) || version < 1) {
      throw new ResoluteError('STORE_CORRUPT', `the store in ${path} has an unreadable layout version ${JSON.stringify(text)}: restore it from a backup.`, {
        details: { path, layout: text },
      });
    }
    if (version > LAYOUT_VERSION) {
      const writer = (await db.get(LAYOUT_WRITER_KEY))?.toString('utf8') ?? 'a newer @resolute/level-store';
      throw new ResoluteError(
        'STORE_VERSION',
        `the store in ${path} has layout version ${version}, written by ${writer}; ${PACKAGE_ID} reads layout ` +
          `${LAYOUT_VERSION} and older. Upgrade to ${writer} or later to open it.`,
        { details: { path, layout: version, supported: LAYOUT_VERSION, writer } },
      );
    }
  } catch (error) {
    throw mapLevelError(error, { operation: 'check the layout version', path });
  }
}
