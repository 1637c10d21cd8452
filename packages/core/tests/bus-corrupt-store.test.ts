import { describe, expect, it } from 'vitest';
import { createBus, MemoryNetwork, MemorySpace, MemoryStore, MemoryTransport, NAMESPACES, outboxKey, packRecord } from '../src/index.js';
import { waitFor } from '../src/testing/index.js';

describe('Bus over a store holding corrupt records', () => {
  const network = new MemoryNetwork();

  it('sets corrupt inbox and outbox entries aside, keeps their bytes, and handles the rest', async () => {
    const space = new MemorySpace();
    const seed = new MemoryStore({ space });
    await seed.open();
    const garbage = Buffer.from('torn write');
    await seed.batch([
      { type: 'put', namespace: NAMESPACES.inbox, key: '01J0000000000000000000000A', value: packRecord({ attempts: 0 }, garbage) },
      { type: 'put', namespace: NAMESPACES.outbox, key: outboxKey('e:somewhere', '01J0000000000000000000000B'), value: garbage },
    ]);
    await seed.close();

    await using bus = await createBus({ name: 'corrupt-test', transport: new MemoryTransport({ network }), store: new MemoryStore({ space }) });
    const corrupt: string[] = [];
    bus.on('corrupt', (e) => void corrupt.push(e.namespace));
    const got: number[] = [];
    await bus.subscribe('ok', (n: number) => void got.push(n));
    await bus.publish('ok', 1);
    await waitFor(() => got.includes(1) && (space.data.get(NAMESPACES.corrupt)?.size ?? 0) === 2);
    expect(space.data.get(NAMESPACES.inbox)?.size ?? 0).toBe(0);
    expect([...space.data.get(NAMESPACES.corrupt)!.values()].filter((v) => v.includes(garbage))).toHaveLength(2);
  });
});
