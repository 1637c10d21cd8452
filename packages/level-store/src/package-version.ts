import { createRequire } from 'node:module';

/** This package's version, read from its package.json (one directory above both src/ and dist/). */
export const PACKAGE_VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/** How this package names itself in lock files, layout records and error messages. */
export const PACKAGE_ID = `@resolute/level-store@${PACKAGE_VERSION}`;
