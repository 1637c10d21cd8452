import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib';

/**
 * One live connection and its two channels. A session is never repaired: when any part of it dies the whole session
 * is dropped (unconfirmed publishes fail, unacked deliveries go back to the queue) and a new one is built, with the
 * topology declared again. Simple to reason about, and a dead channel can never linger half-open.
 */
export interface Session {
  /** 1 for the first connection, +1 per reconnect. */
  readonly id: number;
  readonly model: ChannelModel;
  /** Confirm channel: every publish is acked or nacked by the broker. */
  readonly publish: ConfirmChannel;
  /** Consumer channel with the prefetch set: deliveries are acked on it. */
  readonly consume: Channel;
  /** Destination queues declared on this session (per session: a reconnect declares them again). */
  readonly declared: Map<string, Promise<void>>;
  /** Message ids the broker returned as unroutable (mandatory), until their confirm arrives. */
  readonly returned: Set<string>;
  /** Set once the session is lost or closed: nothing may be acked or published on it any more. */
  dead: boolean;
  /** The publish channel's write buffer is full: wait for its 'drain' before writing more. */
  needsDrain: boolean;
}
