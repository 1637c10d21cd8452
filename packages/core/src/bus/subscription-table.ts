import { ResoluteError } from '../errors.js';
import { delOp, NAMESPACES, putOp, type Store } from '../store.js';

const SEPARATOR = '\u0000';

export interface SubscriptionRecord {
  topic: string;
  address: string;
  since: number;
}

/**
 * Publisher-routed transports only: who subscribed to which topic, kept in the store so a restarted publisher keeps
 * fanning out to subscribers that asked once, and mirrored in memory so `publish` does not read the store.
 */
export class SubscriptionTable {
  private readonly byTopic = new Map<string, Set<string>>();

  constructor(private readonly store: Store) {}

  async load(): Promise<void> {
    for await (const entry of this.store.entries(NAMESPACES.subscriptions)) {
      const [topic, address] = splitKey(entry.key);
      this.remember(topic, address);
    }
  }

  subscribers(topic: string): readonly string[] {
    const set = this.byTopic.get(topic);
    return set === undefined ? [] : [...set];
  }

  async add(topic: string, address: string): Promise<void> {
    if (this.byTopic.get(topic)?.has(address)) return;
    const record: SubscriptionRecord = { topic, address, since: Date.now() };
    await this.store.batch([putOp(NAMESPACES.subscriptions, topic + SEPARATOR + address, Buffer.from(JSON.stringify(record)))]);
    this.remember(topic, address);
  }

  async remove(topic: string, address: string): Promise<void> {
    await this.store.batch([delOp(NAMESPACES.subscriptions, topic + SEPARATOR + address)]);
    const set = this.byTopic.get(topic);
    set?.delete(address);
    if (set?.size === 0) this.byTopic.delete(topic);
  }

  private remember(topic: string, address: string): void {
    let set = this.byTopic.get(topic);
    if (set === undefined) this.byTopic.set(topic, (set = new Set()));
    set.add(address);
  }
}

export function splitKey(key: string): [topic: string, address: string] {
  const at = key.indexOf(SEPARATOR);
  if (at < 0) throw new ResoluteError('STORE_CORRUPT', `subscription key ${JSON.stringify(key)} has no separator`);
  return [key.slice(0, at), key.slice(at + 1)];
}
