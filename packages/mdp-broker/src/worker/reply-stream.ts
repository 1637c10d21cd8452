import { ResoluteError } from '@resolute/core';
import { encodeErrorBody, toFrames, type Body } from '../error-frames.js';

/** What a request handler answers through. Exactly one of end() or reject() finishes the request. */
export interface ReplyStream {
  /** Sends a PARTIAL reply (v0.2 clients receive it in order; v0.1 clients only get the final reply). */
  write(body: Body): void;
  /** Sends the FINAL reply. */
  end(body: Body): void;
  /** Finishes the request with an error the Resolute client raises as REMOTE_ERROR (see error-frames.ts). */
  reject(error: unknown): void;
  /** True once end() or reject() was called. */
  readonly finished: boolean;
  /**
   * Aborted when the request is abandoned and its reply can no longer be delivered: the broker withdrew it with
   * DISCONNECT (a Resolute broker does so when the client timed out or aborted and sent mmi.resolute.cancel), the
   * broker was lost, or close() stopped waiting for the handler. Stop the work; write(), end() and reject() are then
   * dropped. Never aborted once the reply is finished.
   */
  readonly signal: AbortSignal;
}

export interface IncomingRequest {
  readonly service: string;
  readonly body: Buffer[];
}

export type RequestHandler = (request: IncomingRequest, reply: ReplyStream) => void | Promise<void>;

/** Binds a reply stream to one request: `send(kind, body)` emits PARTIAL or FINAL on the connection that received it. */
export function createReplyStream(send: (kind: 'partial' | 'final', body: Buffer[]) => void, signal: AbortSignal): ReplyStream {
  let finished = false;
  const guard = (what: string): void => {
    if (finished) throw new ResoluteError('INVALID_ARGUMENT', `ReplyStream.${what}: the reply was already finished with end() or reject()`, { retryable: false });
  };
  return {
    write(body) {
      guard('write');
      send('partial', toFrames(body));
    },
    end(body) {
      guard('end');
      finished = true;
      send('final', toFrames(body));
    },
    reject(error) {
      guard('reject');
      finished = true;
      send('final', encodeErrorBody(error));
    },
    get finished() {
      return finished;
    },
    signal,
  };
}
