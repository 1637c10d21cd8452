import { ResoluteError } from '@resolute/core';

/** AMQP reply codes amqplib puts on `error.code` for channel and connection closes. */
const ACCESS_REFUSED = 403;
const NOT_FOUND = 404;
const PRECONDITION_FAILED = 406;
const NOT_ALLOWED = 530;

/**
 * The one place amqplib's and the socket's errors become ResoluteErrors. `what` says what we were doing (and for
 * which broker), for the message; every message says what to do next.
 */
export function mapAmqpError(error: unknown, what: string): ResoluteError {
  if (error instanceof ResoluteError) return error;
  const code = (error as { code?: unknown })?.code;
  const detail = error instanceof Error ? error.message : String(error);
  if (code === ACCESS_REFUSED || /ACCESS[-_]REFUSED|403/.test(detail)) {
    return new ResoluteError('AUTH_FAILED', `${what}: the broker refused the credentials or permissions (${detail}): check the user, password and its permissions on the vhost`, { cause: error, retryable: false });
  }
  if (code === NOT_ALLOWED || /NOT[-_]ALLOWED|vhost .* not found|Expected ConnectionOpenOk; got <ConnectionClose/i.test(detail)) {
    return new ResoluteError('AUTH_FAILED', `${what}: the vhost does not exist or the user may not use it (${detail}): create it (rabbitmqctl add_vhost) and grant permissions (set_permissions)`, { cause: error, retryable: false });
  }
  if (code === PRECONDITION_FAILED) {
    return new ResoluteError('INVALID_CONFIG', `${what}: the broker already has it declared differently (${detail}): use the same queueType/exchange on every endpoint, or delete the old queue`, { cause: error, retryable: false });
  }
  if (code === NOT_FOUND) {
    return new ResoluteError('UNREACHABLE', `${what}: not found on the broker (${detail}): it is declared again on the next attempt`, { cause: error });
  }
  switch (code) {
    case 'ECONNREFUSED':
      return new ResoluteError('UNREACHABLE', `${what}: connection refused (${detail}): is RabbitMQ running and listening on that host and port?`, { cause: error });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ResoluteError('UNREACHABLE', `${what}: unknown host (${detail}): check the url's host name`, { cause: error });
    case 'ETIMEDOUT':
    case 'ECONNRESET':
    case 'EPIPE':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new ResoluteError('UNREACHABLE', `${what}: network error (${detail}): will retry; check the broker and the network if it persists`, { cause: error });
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return new ResoluteError('AUTH_FAILED', `${what}: the broker's TLS certificate was not accepted (${detail}): pass its CA in tls.ca, or fix tls.servername`, { cause: error, retryable: false });
    default:
      break;
  }
  if (/Handshake terminated|socket closed abruptly|Socket closed/i.test(detail)) {
    return new ResoluteError('UNREACHABLE', `${what}: the broker closed the connection during the handshake (${detail}): check the port is AMQP (5672, or 5671 for amqps) and the broker's logs`, { cause: error });
  }
  if (/nack/i.test(detail)) {
    return new ResoluteError('BACKPRESSURE', `${what}: the broker refused the message (nack): it stays in the outbox and is sent again`, { cause: error });
  }
  if (/Channel closed|Connection closed|channel ended|closed/i.test(detail)) {
    return new ResoluteError('CONNECTION_LOST', `${what}: the connection or channel closed before the broker confirmed (${detail}): resent after reconnecting`, { cause: error });
  }
  return new ResoluteError('CONNECTION_LOST', `${what}: ${detail}`, { cause: error });
}
