import { ResoluteError } from '../errors.js';
import type { OutgoingMessage, SendOutcome, Transport } from '../transport.js';

/**
 * `transport.send` for the bus's senders (the outbox relay, direct sends): one outcome per message, never a
 * rejection. A transport should never reject; if it does, or miscounts its outcomes, every message of the batch
 * counts as failed, retryably.
 */
export async function sendSafely(transport: Transport, batch: readonly OutgoingMessage[], signal: AbortSignal): Promise<SendOutcome[]> {
  try {
    const outcomes = await transport.send(batch, { signal });
    if (outcomes.length !== batch.length) throw new ResoluteError('INTERNAL', `transport returned ${outcomes.length} outcomes for ${batch.length} messages`);
    return outcomes;
  } catch (error) {
    const wrapped = error instanceof ResoluteError ? error : new ResoluteError('CONNECTION_LOST', 'transport send failed', { cause: error, retryable: true });
    return batch.map(() => ({ ok: false, error: wrapped }));
  }
}
