// The mdp bench's cases: n request/reply round trips of 256 B with at most WINDOW requests outstanding, everything in
// this process over TCP on 127.0.0.1:
// - direct: a DEALER sends requests straight to a ROUTER that echoes each one back (no broker): the floor.
// - broker: a Resolute mdp-broker Client → Broker → Worker(s) → back, 18/MDP; `workers` worker connections, each
//   serving one request at a time as the protocol says (the broker queues the rest and hands them out LRU).
import { Broker, Client, Worker } from '@resolute/mdp-broker';
import { Dealer, Router } from 'zeromq';
import { percentile } from './format.mjs';

export const WINDOW = 100;

export async function directRun({ size, n }) {
  const router = new Router({ linger: 0 });
  await router.bind('tcp://127.0.0.1:0');
  const dealer = new Dealer({ linger: 0 });
  dealer.connect(router.lastEndpoint);
  const echo = (async () => {
    for await (const [identity, body] of router) await router.send([identity, body]);
  })().catch(() => undefined);
  const latencies = new Float64Array(n);
  const sentAt = new Float64Array(n);
  const body = Buffer.alloc(size, 120);
  let received = 0;
  const receive = (async () => {
    for await (const [reply] of dealer) {
      const i = reply.readUInt32BE(0);
      latencies[received++] = performance.now() - sentAt[i];
      if (received === n) return;
    }
  })();
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    while (i - received >= WINDOW) await new Promise((resolve) => setImmediate(resolve));
    const message = Buffer.from(body);
    message.writeUInt32BE(i, 0);
    sentAt[i] = performance.now();
    await dealer.send(message);
  }
  await receive;
  const ms = performance.now() - start;
  dealer.close();
  router.close();
  await echo;
  return { n, ms, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

export async function brokerRun({ size, n, workers }) {
  const broker = await new Broker({ bind: 'tcp://127.0.0.1:0' }).start();
  const worker = new Worker({ broker: broker.endpoint, service: 'echo', concurrency: workers }).onRequest((request, reply) => reply.end(request.body));
  worker.start();
  const client = new Client({ brokers: [broker.endpoint], timeoutMs: 30_000 });
  const body = Buffer.alloc(size, 120);
  const latencies = new Float64Array(n);
  try {
    await client.requestFinal('echo', body); // the worker is registered: timing starts with a served service
    let next = 0;
    let done = 0;
    const start = performance.now();
    const lane = async () => {
      while (next < n) {
        next++;
        const sent = performance.now();
        await client.requestFinal('echo', body);
        latencies[done++] = performance.now() - sent;
      }
    };
    await Promise.all(Array.from({ length: WINDOW }, lane));
    const ms = performance.now() - start;
    return { n, ms, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
  } finally {
    await client.close();
    await worker.close();
    await broker.close();
  }
}
