import { ResoluteError } from '@resolute/core';
import { setTimeout as delay } from 'node:timers/promises';
import type { Client, ClientRequestOptions } from '../client/client.js';
import { decodeErrorBody, toFrames, type Body } from '../error-frames.js';
import { parseStatus, TITANIC_ID_PATTERN, TITANIC_SERVICES, TSP_STATUS } from './titanic-protocol.js';

/** What titanic.reply said: the stored FINAL reply, still pending, or an unknown (or closed) UUID. */
export type TitanicReply = { readonly status: 'ok'; readonly body: Buffer[] } | { readonly status: 'pending' } | { readonly status: 'unknown' };

export interface WaitForReplyOptions extends ClientRequestOptions {
  /** Pause between titanic.reply polls while the reply is pending. Default 500 ms. */
  pollIntervalMs?: number;
}

/**
 * The client side of 9/TSP over an MDP Client the caller owns (and closes). Every call is one MDP request, so it fails
 * like one (TIMEOUT, ABORTED, BUS_CLOSED); a 500 from Titanic is UNREACHABLE (retryable), a 400 to a request is
 * INVALID_ARGUMENT.
 */
export class TitanicClient {
  constructor(private readonly client: Client) {}

  /** titanic.request: resolves with the UUID once Titanic has stored the request on disk. */
  async request(service: string, body: Body, options: ClientRequestOptions = {}): Promise<string> {
    const answer = await this.client.requestFinal(TITANIC_SERVICES.request, [Buffer.from(service), ...toFrames(body)], options);
    expectStatus(answer, TITANIC_SERVICES.request, [TSP_STATUS.ok]);
    const id = answer[1]?.toString('latin1') ?? '';
    if (!TITANIC_ID_PATTERN.test(id)) {
      throw new ResoluteError('PROTOCOL_ERROR', `${TITANIC_SERVICES.request}: the answer has no UUID: is a TSP server serving it?`, { retryable: false });
    }
    return id;
  }

  /** titanic.reply: the stored reply's frames as they are (a Resolute error body is not decoded here: see waitForReply). */
  async reply(id: string, options: ClientRequestOptions = {}): Promise<TitanicReply> {
    const answer = await this.client.requestFinal(TITANIC_SERVICES.reply, id, { ...options, decodeErrors: false });
    const status = expectStatus(answer, TITANIC_SERVICES.reply, [TSP_STATUS.ok, TSP_STATUS.pending, TSP_STATUS.unknown]);
    if (status === TSP_STATUS.ok) return { status: 'ok', body: answer.slice(1) };
    return { status: status === TSP_STATUS.pending ? 'pending' : 'unknown' };
  }

  /** titanic.close: forgets the request and its reply (fine for an unknown UUID). */
  async close(id: string, options: ClientRequestOptions = {}): Promise<void> {
    expectStatus(await this.client.requestFinal(TITANIC_SERVICES.close, id, options), TITANIC_SERVICES.close, [TSP_STATUS.ok]);
  }

  /**
   * Polls titanic.reply until the reply is stored and resolves with it; a reply in the Resolute error convention
   * rejects with REMOTE_ERROR. An unknown UUID rejects with INVALID_ARGUMENT; a poll that fails (TIMEOUT, a 500) is
   * retried until `signal` aborts. Does not close the request: call close() once the reply is safe.
   */
  async waitForReply(id: string, options: WaitForReplyOptions = {}): Promise<Buffer[]> {
    const { pollIntervalMs = 500, ...requestOptions } = options;
    for (;;) {
      let answer: TitanicReply | undefined;
      try {
        answer = await this.reply(id, requestOptions);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code !== 'TIMEOUT' && code !== 'UNREACHABLE') throw error;
      }
      if (answer?.status === 'ok') {
        const remote = decodeErrorBody(answer.body, `titanic request ${id}`);
        if (remote) throw remote;
        return answer.body;
      }
      if (answer?.status === 'unknown') throw unknownId(id);
      await delay(pollIntervalMs, undefined, { signal: options.signal }).catch((cause: unknown) => {
        throw new ResoluteError('ABORTED', `titanic request ${id}: stopped waiting for the reply`, { cause });
      });
    }
  }
}

function unknownId(id: string): ResoluteError {
  return new ResoluteError('INVALID_ARGUMENT', `titanic request ${id} is unknown: it was closed, or never stored by this Titanic`, { retryable: false });
}

function expectStatus(answer: Buffer[], service: string, allowed: readonly string[]): string {
  const status = parseStatus(answer);
  if (status === TSP_STATUS.error) {
    throw new ResoluteError('UNREACHABLE', `${service}: Titanic could not use its store (${answer[0]?.toString() ?? ''}): try again later`);
  }
  if (status === TSP_STATUS.unknown && !allowed.includes(status)) {
    throw new ResoluteError('INVALID_ARGUMENT', `${service} refused the request: ${answer[0]?.toString() ?? ''}`, { retryable: false });
  }
  if (status === undefined || !allowed.includes(status)) {
    throw new ResoluteError('PROTOCOL_ERROR', `${service}: unexpected answer ${JSON.stringify(answer[0]?.toString() ?? '')}: is a TSP server serving it?`, { retryable: false });
  }
  return status;
}
