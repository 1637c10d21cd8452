import { ResoluteError } from '../errors.js';
import type {
  OutgoingMessage,
  SendOutcome,
  Transport,
  TransportCapabilities,
  TransportStartContext,
} from '../transport.js';
import { MemoryNetwork } from './memory-network.js';

export interface MemoryTransportOptions {
  network: MemoryNetwork;
  /** This endpoint's address on the network; defaults to the bus name. */
  address?: string;
}

/**
 * The reference Transport, in one process. On a `publisher` network a send reaches the receiver directly and is
 * acknowledged when the receiver resolved (it fails with UNREACHABLE when nobody is attached at the address); on a
 * `broker` network sends are stored in the network's queues and acknowledged at once, like a broker's confirm.
 */
export class MemoryTransport implements Transport {
  readonly type = 'memory';
  readonly capabilities: TransportCapabilities;
  private readonly network: MemoryNetwork;
  private configuredAddress: string | undefined;
  private boundAddress: string | undefined;
  private closed = false;
  private readonly receiving = new Set<Promise<unknown>>();

  constructor(options: MemoryTransportOptions) {
    if (!(options?.network instanceof MemoryNetwork)) {
      throw new ResoluteError('INVALID_CONFIG', 'MemoryTransport needs `network`: a MemoryNetwork shared by the endpoints');
    }
    this.network = options.network;
    this.configuredAddress = options.address;
    this.capabilities = {
      routing: this.network.routing,
      durable: this.network.routing === 'broker',
      ordered: true,
      requestReply: true,
      maxBatch: 1000,
    };
  }

  get address(): string {
    if (this.boundAddress === undefined) throw new ResoluteError('NOT_STARTED', 'transport not started: call start() first');
    return this.boundAddress;
  }

  start(context: TransportStartContext): Promise<void> {
    if (this.closed) return Promise.reject(new ResoluteError('BUS_CLOSED', 'transport is closed: create a new one'));
    const address = this.configuredAddress ?? context.endpoint;
    if (this.network.receiverOf(address) !== undefined) {
      return Promise.reject(new ResoluteError('INVALID_CONFIG', `address ${address} is already in use on this network`));
    }
    this.boundAddress = address;
    this.network.attach(address, (batch) => {
      const work = context.receive(batch);
      this.receiving.add(work);
      const untrack = (): void => void this.receiving.delete(work);
      work.then(untrack, untrack);
      return work;
    });
    return Promise.resolve();
  }

  async send(batch: readonly OutgoingMessage[]): Promise<SendOutcome[]> {
    if (this.closed) return batch.map(() => lost());
    if (this.network.routing === 'broker') {
      for (const message of batch) {
        const copy = { bytes: Buffer.from(message.bytes) };
        if (message.destination.type === 'topic') this.network.publishToTopic(message.destination.topic, copy);
        else this.network.enqueue(message.destination.address, copy);
      }
      return batch.map(() => ({ ok: true }));
    }
    // publisher mode: group by address, one receive call per address, acknowledged when the receiver resolved.
    const groups = new Map<string, number[]>();
    batch.forEach((message, index) => {
      const address = message.destination.type === 'endpoint' ? message.destination.address : undefined;
      const key = address ?? '';
      let list = groups.get(key);
      if (list === undefined) groups.set(key, (list = []));
      list.push(index);
    });
    const outcomes = new Array<SendOutcome>(batch.length);
    await Promise.all(
      [...groups.entries()].map(async ([address, indexes]) => {
        const fail = (error: ResoluteError): void => indexes.forEach((i) => (outcomes[i] = { ok: false, error }));
        if (address === '') {
          return fail(new ResoluteError('UNSUPPORTED', 'a publisher-routed transport sends to endpoints, not topics', { retryable: false }));
        }
        const receiver = this.network.receiverOf(address);
        if (receiver === undefined) return fail(new ResoluteError('UNREACHABLE', `no endpoint at ${address}`));
        try {
          await new Promise<void>((resolve) => setImmediate(resolve));
          await receiver(indexes.map((i) => ({ bytes: Buffer.from(batch[i]!.bytes) })));
          indexes.forEach((i) => (outcomes[i] = { ok: true }));
        } catch (error) {
          fail(new ResoluteError('UNREACHABLE', `endpoint ${address} did not store the batch`, { cause: error }));
        }
      }),
    );
    return outcomes;
  }

  subscribe(topic: string): Promise<void> {
    if (this.network.routing === 'broker') this.network.bind(topic, this.address);
    return Promise.resolve();
  }

  unsubscribe(topic: string): Promise<void> {
    if (this.network.routing === 'broker') this.network.unbind(topic, this.address);
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.boundAddress !== undefined) this.network.detach(this.boundAddress);
    await Promise.allSettled([...this.receiving]);
  }
}

function lost(): SendOutcome {
  return { ok: false, error: new ResoluteError('CONNECTION_LOST', 'transport is closed') };
}
