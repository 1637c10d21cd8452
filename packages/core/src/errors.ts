/**
 * One error family for every package. Each error has a stable string `code` from a single union (so callers switch
 * on codes, never on messages), a `retryable` flag the pipeline reads to decide between retry and dead letter, and
 * the underlying `cause`. Messages say what to do next.
 */
export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_CONFIG'
  | 'UNKNOWN_BACKEND'
  | 'BACKEND_NOT_INSTALLED'
  | 'BUS_CLOSED'
  | 'NOT_STARTED'
  | 'UNSUPPORTED'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'UNREACHABLE'
  | 'BACKPRESSURE'
  | 'CONNECTION_LOST'
  | 'AUTH_FAILED'
  | 'MALFORMED_MESSAGE'
  | 'CODEC_ERROR'
  | 'NO_HANDLER'
  | 'HANDLER_FAILED'
  | 'UNRECOVERABLE'
  | 'REMOTE_ERROR'
  | 'STORE_LOCKED'
  | 'STORE_CLOSED'
  | 'STORE_CORRUPT'
  | 'STORE_VERSION'
  | 'STORE_IO'
  | 'PROTOCOL_ERROR'
  | 'INTERNAL';

export interface ResoluteErrorOptions {
  cause?: unknown;
  /** Overrides the default for the code (see RETRYABLE_BY_DEFAULT). */
  retryable?: boolean;
  /** Extra structured facts (field names, pids, addresses) for logs and the CLI. */
  details?: Record<string, unknown>;
}

/** Codes that describe a passing condition: trying again later may succeed. */
const RETRYABLE_BY_DEFAULT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'TIMEOUT',
  'UNREACHABLE',
  'BACKPRESSURE',
  'CONNECTION_LOST',
  'HANDLER_FAILED',
  'NO_HANDLER',
  'STORE_IO',
  'REMOTE_ERROR',
]);

export class ResoluteError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: ResoluteErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ResoluteError';
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
    this.details = options.details;
  }

  /** A plain object that survives JSON and the wire (see `fromSerialized`). */
  toJSON(): SerializedError {
    return { name: this.name, code: this.code, message: this.message, retryable: this.retryable };
  }
}

/**
 * Throw this from a handler when retrying cannot help (a malformed payload, a business rule): the message goes to
 * the dead letters at once, with this error as its reason.
 */
export class UnrecoverableError extends ResoluteError {
  constructor(message: string, options: Omit<ResoluteErrorOptions, 'retryable'> = {}) {
    super('UNRECOVERABLE', message, { ...options, retryable: false });
    this.name = 'UnrecoverableError';
  }
}

export interface SerializedError {
  name: string;
  code: string;
  message: string;
  retryable: boolean;
}

/** Turns anything thrown into a plain serialisable description, keeping codes and retryable flags it carries. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof ResoluteError) return error.toJSON();
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      code: typeof code === 'string' ? code : 'HANDLER_FAILED',
      message: error.message,
      retryable: true,
    };
  }
  return { name: 'Error', code: 'HANDLER_FAILED', message: String(error), retryable: true };
}

/** Rebuilds an error that crossed the wire; its code becomes REMOTE_ERROR and the remote code goes in details. */
export function errorFromSerialized(serialized: SerializedError, context: string): ResoluteError {
  return new ResoluteError('REMOTE_ERROR', `${context}: ${serialized.message}`, {
    retryable: serialized.retryable,
    details: { remoteCode: serialized.code, remoteName: serialized.name },
  });
}

/** True when an error (ours or a plain one) should not be retried. */
export function isUnrecoverable(error: unknown): boolean {
  return error instanceof ResoluteError && !error.retryable;
}

export function isResoluteError(error: unknown, code?: ErrorCode): error is ResoluteError {
  return error instanceof ResoluteError && (code === undefined || error.code === code);
}
