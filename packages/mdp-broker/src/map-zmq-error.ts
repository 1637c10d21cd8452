import { ResoluteError } from '@resolute/core';

/** The one place zeromq's errors become ResoluteErrors. `what` says what we were doing, for the message. */
export function mapZmqError(error: unknown, what: string): ResoluteError {
  if (error instanceof ResoluteError) return error;
  const code = (error as { code?: unknown })?.code;
  const detail = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'EAGAIN':
      return new ResoluteError('UNREACHABLE', `${what}: the broker is not connected or its queue is full: it will be retried`, { cause: error });
    case 'EADDRINUSE':
      return new ResoluteError('INVALID_CONFIG', `${what}: address already in use: pick a free port or stop the process using it`, { cause: error, retryable: false });
    case 'EINVAL':
    case 'EPROTONOSUPPORT':
    case 'ENOCOMPATPROTO':
      return new ResoluteError('INVALID_CONFIG', `${what}: invalid endpoint (${detail}): use tcp://host:port`, { cause: error, retryable: false });
    case 'EADDRNOTAVAIL':
    case 'ENODEV':
      return new ResoluteError('INVALID_CONFIG', `${what}: the address is not local to this machine (${detail}): bind an interface this host has`, { cause: error, retryable: false });
    default:
      return new ResoluteError('CONNECTION_LOST', `${what}: ${detail}`, { cause: error });
  }
}
