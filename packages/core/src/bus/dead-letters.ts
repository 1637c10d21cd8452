/**
 * Headers on the copy of a dead letter a bus forwards to `deadLetters.forwardTo`: where it came from and why it died,
 * so an operator (or a service handling the dead-letter endpoint) needs nothing else.
 */
export const DEAD_HEADERS = {
  /** The dead message's own id. */
  id: 'resolute-dead-id',
  /** Its kind: event, command or request. */
  kind: 'resolute-dead-kind',
  /** The bus that sent it. */
  source: 'resolute-dead-source',
  /** Handler runs before it was given up. */
  attempts: 'resolute-dead-attempts',
  /** The last error, JSON: { code, message, name }. */
  error: 'resolute-dead-error',
} as const;
