import { createBus, MemoryNetwork, MemorySpace, MemoryStore, MemoryTransport, type Bus, type BusOptions, type Routing } from '../src/index.js';
import { uniqueName } from '../src/testing/index.js';

/** Fast retries so tests spend their time on behaviour, not backoff. */
export const FAST = {
  outbox: { retry: { initialDelayMs: 5, maxDelayMs: 50 } },
  inbox: { retry: { initialDelayMs: 5, maxDelayMs: 20 }, maxAttempts: 3 },
  closeTimeoutMs: 2_000,
} satisfies Partial<BusOptions>;

/** Both receive modes: every bus behaviour test runs under each. */
export const ACK_MODES = ['stored', 'handled'] as const;

/** A set of memory buses on one network; each bus name keeps its store space, so `start(name)` again is a restart. */
export class Cluster {
  readonly network: MemoryNetwork;
  private readonly spaces = new Map<string, MemorySpace>();
  private readonly buses = new Set<Bus>();
  private readonly transports = new Map<string, MemoryTransport>();

  /** `ack` is every bus's inbox.ack unless a test passes its own inbox options with one. */
  constructor(routing: Routing, private readonly ack: 'stored' | 'handled' = 'stored') {
    this.network = new MemoryNetwork({ routing });
  }

  name(prefix: string): string {
    return uniqueName(prefix);
  }

  async start(name: string, options: Partial<BusOptions> = {}): Promise<Bus> {
    let space = this.spaces.get(name);
    if (space === undefined) this.spaces.set(name, (space = new MemorySpace()));
    const transport = new MemoryTransport({ network: this.network, address: name });
    this.transports.set(name, transport);
    const bus = await createBus({
      name,
      transport,
      store: new MemoryStore({ space }),
      ...FAST,
      ...options,
      inbox: { ack: this.ack, ...(options.inbox ?? FAST.inbox) },
    });
    this.buses.add(bus);
    return bus;
  }

  /** The transport of the bus started last under `name` (to put raw bytes on the wire). */
  transport(name: string): MemoryTransport {
    return this.transports.get(name)!;
  }

  space(name: string): MemorySpace {
    return this.spaces.get(name)!;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.buses].map((b) => b.close()));
    this.buses.clear();
  }
}

/** Records every call of a handler. */
export function recorder<P = unknown>(): { calls: P[]; handler: (payload: P) => void } {
  const calls: P[] = [];
  return { calls, handler: (payload) => void calls.push(payload) };
}
