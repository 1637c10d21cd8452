import { afterEach, describe, expect, it } from 'vitest';
import { idFloor, MAX_OBSERVED_AHEAD_MS, NAMESPACES, silentLogger, type Logger } from '../src/index.js';
import { waitFor } from '../src/testing/index.js';
import { ACK_MODES, Cluster } from './helpers.js';

for (const ack of ACK_MODES) {
  describe(`Bus restart (ack: ${ack})`, () => {
    const cluster = new Cluster('publisher', ack);
    afterEach(() => cluster.closeAll());

    it('resumes deliveries left in the outbox by an earlier run', async () => {
      const [pubName, subName] = [cluster.name('pub'), cluster.name('sub')];
      let pub = await cluster.start(pubName);
      let sub = await cluster.start(subName);
      await sub.subscribe('t', () => undefined, { from: pubName });
      await waitFor(async () => (await pub.publish('t', -1)).deliveries === 1);
      await waitFor(() => (cluster.space(pubName).data.get(NAMESPACES.outbox)?.size ?? 0) === 0);
      await sub.close();
      for (let n = 0; n < 30; n++) await pub.publish('t', n);
      await pub.close();
      expect(cluster.space(pubName).data.get(NAMESPACES.outbox)!.size).toBe(30);
      sub = await cluster.start(subName);
      const got = new Set<number>();
      await sub.subscribe('t', (n: number) => void got.add(n), { from: pubName });
      pub = await cluster.start(pubName);
      await waitFor(() => got.size >= 30 && [...Array(30).keys()].every((n) => got.has(n)));
    });

    it('runs handlers for messages left in the inbox by an earlier run, keeping their attempt count', async () => {
      const [senderName, receiverName] = [cluster.name('s'), cluster.name('r')];
      const sender = await cluster.start(senderName);
      let receiver = await cluster.start(receiverName, { inbox: { maxAttempts: 10, retry: { initialDelayMs: 5, maxDelayMs: 10 } } });
      let failures = 0;
      receiver.handle('job', () => {
        failures++;
        throw new Error('not yet');
      });
      await sender.send(receiverName, 'job', { n: 1 });
      await waitFor(() => failures >= 2);
      await receiver.close();
      receiver = await cluster.start(receiverName, { inbox: { maxAttempts: 10, retry: { initialDelayMs: 5, maxDelayMs: 10 } } });
      const attempts: number[] = [];
      receiver.handle('job', (_p, ctx) => void attempts.push(ctx.attempt));
      await waitFor(() => attempts.length === 1);
      expect(attempts[0]).toBeGreaterThanOrEqual(2);
      await waitFor(() => (cluster.space(receiverName).data.get(NAMESPACES.inbox)?.size ?? 0) === 0);
    });

    it('starts with a stored id dated days ahead, warns, and does not date its new ids after it', async () => {
      const name = cluster.name('skewed');
      await (await cluster.start(name)).close();
      // A peer whose clock is two days fast left its message in this inbox.
      const future = idFloor(Date.now() + 2 * MAX_OBSERVED_AHEAD_MS).slice(0, 10) + 'Z'.repeat(16);
      const inbox = cluster.space(name).data.get(NAMESPACES.inbox) ?? new Map<string, Buffer>();
      cluster.space(name).data.set(NAMESPACES.inbox, inbox.set(future, Buffer.from('not a record')));
      const warnings: object[] = [];
      const logger: Logger = { ...silentLogger, warn: (obj) => void warnings.push(obj) };
      const bus = await cluster.start(name, { logger });
      expect(warnings).toContainEqual(expect.objectContaining({ id: future, namespace: NAMESPACES.inbox }));
      const receipt = await bus.send(cluster.name('nobody'), 'job', 1);
      expect(receipt.id < future).toBe(true);
    });

    it('remembers subscribers across a publisher restart', async () => {
      const [pubName, subName] = [cluster.name('pub'), cluster.name('sub')];
      let pub = await cluster.start(pubName);
      const sub = await cluster.start(subName);
      const got: number[] = [];
      await sub.subscribe('t', (n: number) => void got.push(n), { from: pubName });
      await waitFor(async () => (await pub.publish('t', 0)).deliveries === 1);
      await pub.close();
      pub = await cluster.start(pubName);
      expect((await pub.publish('t', 1)).deliveries).toBe(1);
      await waitFor(() => got.includes(1));
    });

    it('lets an in-flight handler finish on close, and close is idempotent', async () => {
      const [senderName, receiverName] = [cluster.name('s'), cluster.name('r')];
      const sender = await cluster.start(senderName);
      const receiver = await cluster.start(receiverName);
      let release!: () => void;
      let finished = false;
      receiver.handle('slow', async () => {
        await new Promise<void>((resolve) => (release = resolve));
        finished = true;
      });
      await sender.send(receiverName, 'slow', {});
      await waitFor(() => release !== undefined);
      const closing = Promise.all([receiver.close(), receiver.close()]);
      release();
      await closing;
      expect(finished).toBe(true);
      expect(cluster.space(receiverName).data.get(NAMESPACES.inbox)?.size ?? 0).toBe(0);
    });
  });
}
