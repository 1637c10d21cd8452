import { isResoluteError, ResoluteError } from '@resolute/core';

/** Exit codes: 0 done, 1 failed (store, lock, data), 2 the command line itself was wrong. */
export const EXIT = { ok: 0, error: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * A mistake in the command line (bad id, missing selection, refusing to delete without --yes on no terminal):
 * INVALID_ARGUMENT marked so the CLI exits 2. Every other error exits 1.
 */
export function usageError(message: string, details: Record<string, unknown> = {}): ResoluteError {
  return new ResoluteError('INVALID_ARGUMENT', message, { retryable: false, details: { ...details, usage: true } });
}

export function exitCodeOf(error: unknown): ExitCode {
  return isResoluteError(error) && error.details?.usage === true ? EXIT.usage : EXIT.error;
}

/** What an error looks like in `--json` output: `{ "error": { code, message, details } }`. */
export function errorDocument(error: unknown): { error: { code: string; message: string; details?: Record<string, unknown> } } {
  if (error instanceof ResoluteError) {
    const { usage: _usage, ...details } = error.details ?? {};
    return { error: { code: error.code, message: error.message, ...(Object.keys(details).length > 0 ? { details } : {}) } };
  }
  return { error: { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) } };
}

/** One line for stderr: the message, prefixed with its code. Unexpected errors keep their stack for bug reports. */
export function errorLine(error: unknown): string {
  if (error instanceof ResoluteError) {
    const hint = error.details?.usage === true ? '(add --help for usage)\n' : '';
    return `resolute: ${error.code}: ${error.message}\n${hint}`;
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return `resolute: unexpected error (please report it): ${text}\n`;
}
