import { createRequire } from 'node:module';

/** This package's version, read from its package.json (two directories above src/store/ and dist/store/). */
export const PACKAGE_VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** How the store names its writer in lock values, layout records and error messages. */
export const PACKAGE_ID = `@resolute/redis-bus@${PACKAGE_VERSION}`;
