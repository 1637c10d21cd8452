import type { Envelope } from '../envelope.js';
import { errorFromSerialized, ResoluteError, type SerializedError } from '../errors.js';

/** Header a reply carries when the request failed; its value is a JSON SerializedError. */
export const ERROR_HEADER = 'resolute-error';

interface Waiter {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout;
  cleanup: () => void;
}

/** Requests waiting for their reply, by request id. A reply nobody waits for (timed out, restarted) is dropped. */
export class PendingRequests {
  private readonly waiting = new Map<string, Waiter>();

  get size(): number {
    return this.waiting.size;
  }

  /** Registers before the request is written, so a fast reply cannot arrive first. */
  wait(id: string, topic: string, timeoutMs: number, signal?: AbortSignal): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const onAbort = (): void => void this.settle(id, () => reject(new ResoluteError('ABORTED', `request ${topic} aborted`, { cause: signal?.reason })));
      const timer = setTimeout(
        () => void this.settle(id, () => reject(new ResoluteError('TIMEOUT', `no reply to ${topic} within ${timeoutMs} ms: is a handler for it running?`))),
        timeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.set(id, { resolve, reject, timer, cleanup: () => signal?.removeEventListener('abort', onAbort) });
      if (signal?.aborted) onAbort();
    });
  }

  /** Settles the request a reply answers; false when nobody waits for it. */
  deliver(reply: Envelope): boolean {
    const id = reply.correlationId;
    if (id === undefined) return false;
    const waiter = this.waiting.get(id);
    if (waiter === undefined) return false;
    const failure = reply.headers[ERROR_HEADER];
    return this.settle(id, () => {
      if (failure === undefined) waiter.resolve(reply.payload);
      else waiter.reject(errorFromSerialized(parseError(failure), `${reply.topic} failed at ${reply.source}`));
    });
  }

  cancel(id: string, error: unknown): void {
    const waiter = this.waiting.get(id);
    if (waiter !== undefined) this.settle(id, () => waiter.reject(error));
  }

  rejectAll(error: unknown): void {
    for (const id of [...this.waiting.keys()]) this.cancel(id, error);
  }

  private settle(id: string, action: () => void): boolean {
    const waiter = this.waiting.get(id);
    if (waiter === undefined) return false;
    this.waiting.delete(id);
    clearTimeout(waiter.timer);
    waiter.cleanup();
    action();
    return true;
  }
}

function parseError(text: string): SerializedError {
  try {
    return JSON.parse(text) as SerializedError;
  } catch {
    return { name: 'Error', code: 'REMOTE_ERROR', message: text, retryable: false };
  }
}
