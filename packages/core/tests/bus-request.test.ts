import { afterEach, describe, expect, it } from 'vitest';
import { UnrecoverableError } from '../src/index.js';
import { waitFor } from '../src/testing/index.js';
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

    // Publisher-routed only: the broker-routed memory network accepts every send at once, so no request ever waits in
    // the outbox long enough for its deadline to pass there (the broker, not the outbox, holds it).
    it.skipIf(routing === 'broker')('drops a request from the outbox once its deadline passes, and still sends what shares its batch', async () => {
      // Publisher-routed: the send fails while nobody is at the address, so both stay in the outbox and are tried
      // again in one batch; by then the request is past its deadline and the command is not.
      const client = await cluster.start(cluster.name('client'));
      const late = cluster.name('late');
      const expired: string[] = [];
      client.on('expired', (e) => void expired.push(e.id));
      // Command first, request second: each fails in a batch of its own and goes back to the head of the lane, so the
      // retried batch holds the request before the command.
      await client.send(late, 'after', { n: 1 });
      const request = client.request(late, 'x', {}, { timeoutMs: 100 }).catch((error: unknown) => error);
      await expect(request).resolves.toMatchObject({ code: 'TIMEOUT' });
      await waitFor(() => expired.length === 1, { timeoutMs: 2_000 });
      const got: unknown[] = [];
      const server = await cluster.start(late);
      server.handle('after', (p) => void got.push(p));
      server.handle('x', () => 'too late');
      await waitFor(() => got.length === 1, { timeoutMs: 2_000 });
      expect(got).toEqual([{ n: 1 }]);
      expect(client.stats().expired).toBe(1);
    });

    it('rejects pending requests with BUS_CLOSED on close', async () => {
      const client = await cluster.start(cluster.name('client'));
      const pending = client.request('nobody-here', 'x', {}, { timeoutMs: 10_000 });
      await client.close();
      await expect(pending).rejects.toMatchObject({ code: 'BUS_CLOSED' });
    });
  });
}
