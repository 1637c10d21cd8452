import { freePort } from '@resolute/core/testing';
import { Broker, Client, Worker, type BrokerOptions, type ClientOptions, type RequestHandler, type WorkerOptions } from '../src/index.js';

/** Fast heartbeats so liveness tests finish in well under a second or two. */
export const FAST = { heartbeatIntervalMs: 100, heartbeatLiveness: 3 } as const;

export interface Harness {
  broker: Broker;
  endpoint: string;
  worker(service: string, handler: RequestHandler, options?: Partial<WorkerOptions>): Worker;
  client(options?: Partial<ClientOptions>): Client;
  close(): Promise<void>;
}

/** A broker on a free port, plus workers and clients that are all closed by close(). */
export async function startHarness(options: Partial<BrokerOptions> = {}): Promise<Harness> {
  const port = await freePort();
  const broker = await new Broker({ bind: `tcp://127.0.0.1:${port}`, ...FAST, ...options }).start();
  const closers: Array<() => Promise<void>> = [];
  return {
    broker,
    endpoint: broker.endpoint,
    worker(service, handler, extra = {}) {
      const worker = new Worker({ broker: broker.endpoint, service, ...FAST, reconnectDelayMs: 50, ...extra }).onRequest(handler).start();
      closers.push(() => worker.close());
      return worker;
    },
    client(extra = {}) {
      const client = new Client({ brokers: [broker.endpoint], timeoutMs: 5_000, ...extra });
      closers.push(() => client.close());
      return client;
    },
    async close() {
      for (const close of closers.reverse()) await close();
      await broker.close();
    },
  };
}

export const text = (frames: Buffer[]): string[] => frames.map((frame) => frame.toString('utf8'));
