import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { afterEach, describe, expect, it } from 'vitest';
import { createEnvelope, jsonCodec, MemoryStore, type BatchOptions, type StoreOperation } from '../src/index.js';
import { waitFor } from '../src/testing/index.js';
import { ACK_MODES, Cluster } from './helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collects twice, a turn of the event loop apart, so buffers freed by the first collection's callbacks go too. */
async function settledGc(): Promise<void> {
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
}

const MIB = 1024 * 1024;
const BATCHES = 40;

describe.each(ACK_MODES)("a received message the bus keeps, inbox.ack '%s'", (ack) => {
  const cluster = new Cluster('publisher', ack);
  afterEach(() => cluster.closeAll());

  it('does not keep the larger buffer it was a view into (a transport hands over views into a whole batch)', async () => {
    const sender = await cluster.start(cluster.name('pub'));
    // Failing with a long retry delay: every message waits in the receiver's memory for its next attempt.
    const receiver = await cluster.start(cluster.name('sub'), { inbox: { ack, maxAttempts: 5, retry: { initialDelayMs: 60_000, maxDelayMs: 60_000 } } });
    receiver.handle('job', () => {
      throw new Error('not yet');
    });
    let retries = 0;
    receiver.on('retry', () => void retries++);
    const receive = cluster.network.receiverOf(receiver.address)!;
    await settledGc();
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < BATCHES; i++) {
      const bytes = jsonCodec.encode(createEnvelope({ kind: 'command', topic: 'job', payload: i, source: sender.name }));
      // The message at the end of a 1 MiB buffer, as a transport's view into the frame it read.
      const frame = Buffer.alloc(MIB);
      bytes.copy(frame, MIB - bytes.length);
      await receive([{ bytes: frame.subarray(MIB - bytes.length) }]);
    }
    await waitFor(() => retries === BATCHES);
    await settledGc();
    const kept = process.memoryUsage().arrayBuffers - before;
    // Kept as views, the messages would hold 40 MiB; copied, a few KiB.
    expect(kept).toBeLessThan(8 * MIB);
    expect(receiver.stats().inboxInMemory).toBe(BATCHES);
  });
});

/** A MemoryStore whose writes wait while `held`, so a test can look at memory while a batch is in flight. */
class HeldStore extends MemoryStore {
  waiting = 0;
  private release: (() => void) | undefined;
  private gate: Promise<void> | undefined;

  hold(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }

  letGo(): void {
    this.release?.();
    this.gate = undefined;
  }

  override async batch(operations: readonly StoreOperation[], options?: BatchOptions): Promise<void> {
    if (this.gate !== undefined) {
      this.waiting++;
      await this.gate;
    }
    return super.batch(operations, options);
  }
}

describe("a handled batch in flight, inbox.ack 'handled'", () => {
  const cluster = new Cluster('publisher', 'handled');
  afterEach(() => cluster.closeAll());

  it('does not keep the payloads of messages already handled while the batch is being written', async () => {
    const store = new HeldStore();
    const sender = await cluster.start(cluster.name('pub'));
    const receiver = await cluster.start(cluster.name('sub'), { store });
    const lengths: number[] = [];
    receiver.handle('job', (payload: string) => void lengths.push(payload.length));
    const receive = cluster.network.receiverOf(receiver.address)!;
    const batch = Array.from({ length: 16 }, (_, i) => ({
      bytes: jsonCodec.encode(createEnvelope({ kind: 'command', topic: 'job', payload: String(i).repeat(MIB), source: sender.name })),
    }));
    store.hold();
    const received = receive(batch);
    await waitFor(() => store.waiting > 0 && lengths.length === 16);
    await settledGc();
    const during = process.memoryUsage().heapUsed;
    store.letGo();
    await received;
    await settledGc();
    const after = process.memoryUsage().heapUsed;
    // 16 payloads of 1 MiB kept until the write would be 16 MiB more while it waits.
    expect(during - after).toBeLessThan(6 * MIB);
  });
});
