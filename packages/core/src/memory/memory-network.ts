import type { IncomingMessage, Receiver, Routing } from '../transport.js';

/**
 * The wire and (in `broker` mode) the broker behind MemoryTransport instances. A network is an ordinary object: give
 * the same one to the transports that should reach each other. It outlives transports (a closed and restarted
 * transport finds its broker queue again) but not the process.
 */
export class MemoryNetwork {
  readonly routing: Routing;
  private readonly online = new Map<string, Receiver>();
  /** broker mode: topic -> endpoint names bound to it. */
  private readonly bindings = new Map<string, Set<string>>();
  /** broker mode: endpoint name -> its durable queue. */
  private readonly queues = new Map<string, EndpointQueue>();

  constructor(options: { routing?: Routing } = {}) {
    this.routing = options.routing ?? 'publisher';
  }

  attach(address: string, receiver: Receiver): void {
    this.online.set(address, receiver);
    this.queues.get(address)?.pump();
  }

  detach(address: string): void {
    this.online.delete(address);
  }

  receiverOf(address: string): Receiver | undefined {
    return this.online.get(address);
  }

  bind(topic: string, endpoint: string): void {
    let set = this.bindings.get(topic);
    if (set === undefined) this.bindings.set(topic, (set = new Set()));
    set.add(endpoint);
  }

  unbind(topic: string, endpoint: string): void {
    this.bindings.get(topic)?.delete(endpoint);
  }

  /** broker mode: stores a copy for every endpoint bound to the topic. */
  publishToTopic(topic: string, message: IncomingMessage): void {
    for (const endpoint of this.bindings.get(topic) ?? []) this.enqueue(endpoint, message);
  }

  /** broker mode: stores the message in the endpoint's queue, delivered when the endpoint is online. */
  enqueue(endpoint: string, message: IncomingMessage): void {
    let queue = this.queues.get(endpoint);
    if (queue === undefined) this.queues.set(endpoint, (queue = new EndpointQueue(endpoint, this)));
    queue.push(message);
  }

  queued(endpoint: string): number {
    return this.queues.get(endpoint)?.size ?? 0;
  }
}

const PREFETCH = 256;
const REDELIVERY_DELAY_MS = 50;

/** A broker queue: delivers in order to the endpoint's receiver, keeps a message until the receiver resolved. */
class EndpointQueue {
  private readonly items: IncomingMessage[] = [];
  private inFlight = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly endpoint: string,
    private readonly network: MemoryNetwork,
  ) {}

  get size(): number {
    return this.items.length + this.inFlight;
  }

  push(message: IncomingMessage): void {
    this.items.push(message);
    this.pump();
  }

  pump(): void {
    const receiver = this.network.receiverOf(this.endpoint);
    if (receiver === undefined || this.inFlight > 0 || this.items.length === 0 || this.retryTimer) return;
    const batch = this.items.splice(0, PREFETCH);
    this.inFlight = batch.length;
    // Delivered on a later tick, like a real wire; unacknowledged messages go back to the head of the queue.
    setImmediate(() => {
      receiver(batch).then(
        () => {
          this.inFlight = 0;
          this.pump();
        },
        () => {
          this.inFlight = 0;
          this.items.unshift(...batch);
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            this.pump();
          }, REDELIVERY_DELAY_MS);
          this.retryTimer.unref();
        },
      );
    });
  }
}
