import { ResoluteError } from '@resolute/core';

/**
 * The one place ioredis's, Redis's and the socket's errors become ResoluteErrors. `what` says what we were doing
 * (and where), for the message; every message says what to do next.
 */
export function mapRedisError(error: unknown, what: string): ResoluteError {
  if (error instanceof ResoluteError) return error;
  const code = (error as { code?: unknown })?.code;
  const detail = error instanceof Error ? error.message : String(error);
  if (/^(NOAUTH|WRONGPASS|NOPERM)|invalid (username-password|password)|AUTH <password> called without any password/i.test(detail)) {
    return new ResoluteError('AUTH_FAILED', `${what}: Redis refused the credentials or permissions (${detail}): check username/password and the ACL user's command and key permissions`, { cause: error, retryable: false });
  }
  if (/^OOM/.test(detail)) {
    return new ResoluteError('BACKPRESSURE', `${what}: Redis is out of memory (${detail}): raise maxmemory, use noeviction, or let consumers catch up; the message stays with the sender`, { cause: error });
  }
  if (/^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY)/.test(detail)) {
    return new ResoluteError('UNREACHABLE', `${what}: Redis cannot serve writes right now (${detail}): will retry`, { cause: error });
  }
  if (/^(MISCONF)/.test(detail)) {
    return new ResoluteError('STORE_IO', `${what}: Redis cannot persist to disk (${detail}): check its disk and logs`, { cause: error });
  }
  switch (code) {
    case 'ECONNREFUSED':
      return new ResoluteError('UNREACHABLE', `${what}: connection refused (${detail}): is redis-server running and listening on that host and port?`, { cause: error });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ResoluteError('UNREACHABLE', `${what}: unknown host (${detail}): check the URL's host name`, { cause: error });
    case 'ETIMEDOUT':
    case 'ECONNRESET':
    case 'EPIPE':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new ResoluteError('UNREACHABLE', `${what}: network error (${detail}): will retry; check the server and the network if it persists`, { cause: error });
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return new ResoluteError('AUTH_FAILED', `${what}: the server's TLS certificate was not accepted (${detail}): pass its CA in tls.ca, or fix tls.servername`, { cause: error, retryable: false });
    default:
      break;
  }
  if (/Connection is closed|Stream isn't writeable|enableOfflineQueue|MaxRetriesPerRequest|Command timed out|Connection lost|socket/i.test(detail)) {
    return new ResoluteError('CONNECTION_LOST', `${what}: the connection to Redis dropped before it answered (${detail}): the operation may or may not have been applied; it is retried after reconnecting`, { cause: error });
  }
  if (/^(ERR|WRONGTYPE|NOSCRIPT|EXECABORT|NOGROUP|BUSYGROUP|CROSSSLOT)/.test(detail)) {
    return new ResoluteError('INTERNAL', `${what}: Redis rejected the command (${detail}): a bug or a key written by something else under our prefix; report it with this message`, { cause: error, retryable: false });
  }
  return new ResoluteError('CONNECTION_LOST', `${what}: ${detail}`, { cause: error });
}
