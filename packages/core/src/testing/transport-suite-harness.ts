import { afterEach, beforeEach } from 'vitest';
import { jsonCodec } from '../codec.js';
import { createEnvelope, type Envelope } from '../envelope.js';
import { silentLogger } from '../logger.js';
import type { Destination, IncomingMessage, OutgoingMessage, Transport } from '../transport.js';
import { uniqueName } from './unique.js';
import { waitFor } from './wait-for.js';

/**
 * What the Transport suite needs from a backend. `create(name)` makes an unstarted transport for the endpoint
 * `name`; calling it again with the same name models that endpoint restarting (same address, same broker queue).
 */
export interface TransportFactory {
  create(name: string): Transport | Promise<Transport>;
  /** Called after each test, once every transport the test made is closed (delete queues, free ports). */
  cleanup?(): Promise<void>;
}

export interface TransportConformanceOptions {
  /** Timeout of each test in ms. Default 60000. */
  timeoutMs?: number;
  /** Messages in the bulk delivery test. Default 1000. */
  messages?: number;
}

/** One started endpoint under test: its transport and everything it received, decoded. */
export interface Endpoint {
  readonly name: string;
  readonly transport: Transport;
  readonly received: Envelope[];
  readonly receivedBytes: Buffer[];
  /** Set to make the endpoint's receiver reject (the transport must then not ack, and deliver again later). */
  rejectNext: number;
  /** Ids seen at least once. */
  ids(): Set<string>;
}

export interface TransportHarness {
  readonly options: Required<TransportConformanceOptions>;
  /** Creates and starts an endpoint (a fresh name unless given one, to restart it). */
  endpoint(name?: string): Promise<Endpoint>;
  /** Closes an endpoint's transport (its received messages stay readable). */
  stop(endpoint: Endpoint): Promise<void>;
}

export function useTransportHarness(factory: TransportFactory, options: TransportConformanceOptions): TransportHarness {
  let started: Endpoint[] = [];
  const resolved = { timeoutMs: 60_000, messages: 1000, ...options };

  beforeEach(() => {
    started = [];
  });

  afterEach(async () => {
    await Promise.allSettled(started.map((e) => e.transport.close()));
    await factory.cleanup?.();
  });

  return {
    options: resolved,
    async endpoint(name = uniqueName('ep')) {
      const transport = await factory.create(name);
      const endpoint: Endpoint = {
        name,
        transport,
        received: [],
        receivedBytes: [],
        rejectNext: 0,
        ids() {
          return new Set(this.received.map((e) => e.id));
        },
      };
      const receive = async (batch: readonly IncomingMessage[]): Promise<void> => {
        await Promise.resolve();
        if (endpoint.rejectNext > 0) {
          endpoint.rejectNext--;
          throw new Error('conformance: receiver refuses this batch on purpose');
        }
        for (const message of batch) {
          endpoint.receivedBytes.push(Buffer.from(message.bytes));
          endpoint.received.push(jsonCodec.decode(message.bytes));
        }
      };
      await transport.start({ endpoint: name, receive, logger: silentLogger });
      started.push(endpoint);
      return endpoint;
    },
    async stop(endpoint) {
      await endpoint.transport.close();
    },
  };
}

/** Builds outgoing messages with real encoded envelopes. */
export function messages(destination: Destination, count: number, payload: (i: number) => unknown = (i) => ({ i })): OutgoingMessage[] {
  return Array.from({ length: count }, (_, i) => {
    const envelope = createEnvelope({
      kind: destination.type === 'topic' ? 'event' : 'command',
      topic: destination.type === 'topic' ? destination.topic : 'conformance.test',
      payload: payload(i),
      source: 'conformance',
    });
    return { destination, envelope, bytes: jsonCodec.encode(envelope) };
  });
}

/**
 * Sends until every message is acknowledged, as the outbox relay would: failed ones are sent again after a short
 * pause, in batches the transport accepts. Resolves with the number of send calls; rejects after `timeoutMs`.
 */
export async function deliverAll(
  transport: Transport,
  batch: readonly OutgoingMessage[],
  timeoutMs = 30_000,
  progress: { rounds: number; failures: number } = { rounds: 0, failures: 0 },
): Promise<number> {
  let pending = [...batch];
  let calls = 0;
  const deadline = Date.now() + timeoutMs;
  const size = Math.max(1, transport.capabilities.maxBatch);
  while (pending.length > 0) {
    if (Date.now() > deadline) throw new Error(`deliverAll: ${pending.length} messages still unacknowledged after ${timeoutMs} ms`);
    const failed: OutgoingMessage[] = [];
    for (let i = 0; i < pending.length; i += size) {
      const chunk = pending.slice(i, i + size);
      calls++;
      const outcomes = await transport.send(chunk);
      outcomes.forEach((outcome, j) => {
        if (!outcome.ok) failed.push(chunk[j]!);
      });
    }
    pending = failed;
    progress.rounds++;
    progress.failures += failed.length;
    // The relay's backoff, shortened: a pause before retrying, not a wait for an outcome.
    if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return calls;
}

/** Waits until `endpoint` has received every id in `ids` (at least once). */
export async function waitForIds(endpoint: Endpoint, ids: Iterable<string>, timeoutMs = 30_000): Promise<void> {
  const wanted = [...ids];
  await waitFor(
    () => {
      const seen = endpoint.ids();
      return wanted.every((id) => seen.has(id));
    },
    { timeoutMs, message: () => `${wanted.filter((id) => !endpoint.ids().has(id)).length} of ${wanted.length} messages to reach ${endpoint.name}` },
  );
}
