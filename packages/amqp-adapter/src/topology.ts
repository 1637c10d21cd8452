import type { Channel, Options } from 'amqplib';
import type { AmqpOptions } from './amqp-options.js';
import type { Session } from './amqp-session.js';

/** The queue an endpoint consumes from, and every sender computes the same way. */
export function queueName(options: AmqpOptions, endpoint: string): string {
  return `${options.queuePrefix}${endpoint}`;
}

/**
 * Arguments of every endpoint queue. Classic queues get none (so a queue made by an older client or by hand with no
 * arguments is equivalent); quorum queues must say so at declaration.
 */
export function queueOptions(options: AmqpOptions): Options.AssertQueue {
  return options.queueType === 'quorum' ? { durable: true, arguments: { 'x-queue-type': 'quorum' } } : { durable: true };
}

/** Declares what this endpoint owns: the events exchange, its queue, the bindings of its topics. */
export async function declareOwnTopology(channel: Channel, options: AmqpOptions, ownQueue: string, topics: Iterable<string>): Promise<void> {
  await channel.assertExchange(options.exchange, 'topic', { durable: true });
  await channel.assertQueue(ownQueue, queueOptions(options));
  for (const topic of topics) await channel.bindQueue(ownQueue, options.exchange, topic);
}

/**
 * Makes sure a destination queue exists before we publish to it, so a command to an endpoint that never started is
 * kept rather than returned. Declared with the owner's arguments; when the queue exists with other arguments (the
 * broker closes the channel with PRECONDITION_FAILED) a passive check on a fresh channel is enough. Uses throwaway
 * channels so a refused declaration can never close the publish or consume channel. Once per queue per session.
 */
export function ensureQueue(session: Session, options: AmqpOptions, queue: string): Promise<void> {
  let declared = session.declared.get(queue);
  if (declared === undefined) {
    declared = declareOnce(session, options, queue);
    declared.catch(() => session.declared.delete(queue));
    session.declared.set(queue, declared);
  }
  return declared;
}

async function declareOnce(session: Session, options: AmqpOptions, queue: string): Promise<void> {
  try {
    await withChannel(session, (ch) => ch.assertQueue(queue, queueOptions(options)));
  } catch (error) {
    if ((error as { code?: unknown }).code !== 406) throw error;
    await withChannel(session, (ch) => ch.checkQueue(queue));
  }
}

async function withChannel<T>(session: Session, use: (channel: Channel) => Promise<T>): Promise<T> {
  const channel = await session.model.createChannel();
  channel.on('error', () => undefined); // a refused declaration closes this channel: reported by the rejection below
  try {
    return await use(channel);
  } finally {
    await channel.close().catch(() => undefined);
  }
}
