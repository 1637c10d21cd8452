import { afterEach, describe, expect, it } from 'vitest';
import { UnrecoverableError } from '../src/index.js';
import { ACK_MODES, Cluster } from './helpers.js';

for (const [routing, ack] of (['publisher', 'broker'] as const).flatMap((r) => ACK_MODES.map((a) => [r, a] as const))) {
  describe(`Bus request/reply over a ${routing}-routed transport (ack: ${ack})`, () => {
    const cluster = new Cluster(routing, ack);
    afterEach(() => cluster.closeAll());

    it('resolves with the handler result', async () => {
      const client = await cluster.start(cluster.name('client'));
      const pricing = await cluster.start(cluster.name('pricing'));
      pricing.handle('price.quote', (p: { sku: string }) => ({ sku: p.sku, cents: 1999 }));
      await expect(client.request(pricing.name, 'price.quote', { sku: 'A1' })).resolves.toEqual({ sku: 'A1', cents: 1999 });
    });

    it('rejects with the remote error when the handler gives up', async () => {
      const client = await cluster.start(cluster.name('client'));
      const pricing = await cluster.start(cluster.name('pricing'));
      pricing.handle('price.quote', () => {
        throw new UnrecoverableError('unknown sku');
      });
      await expect(client.request(pricing.name, 'price.quote', {})).rejects.toMatchObject({
        code: 'REMOTE_ERROR',
        details: { remoteCode: 'UNRECOVERABLE' },
      });
    });

    it('times out when nobody answers, and can be aborted', async () => {
      const client = await cluster.start(cluster.name('client'));
      await expect(client.request('nobody-here', 'x', {}, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'TIMEOUT' });
      const controller = new AbortController();
      const pending = client.request('nobody-here', 'x', {}, { timeoutMs: 10_000, signal: controller.signal });
      controller.abort();
      await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
      expect(client.stats().pendingRequests).toBe(0);
    });

    it('rejects pending requests with BUS_CLOSED on close', async () => {
      const client = await cluster.start(cluster.name('client'));
      const pending = client.request('nobody-here', 'x', {}, { timeoutMs: 10_000 });
      await client.close();
      await expect(pending).rejects.toMatchObject({ code: 'BUS_CLOSED' });
    });
  });
}
