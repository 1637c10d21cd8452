import { Dealer, Request } from 'zeromq';

/** A hand-driven socket for speaking MDP frame by frame in tests; every message it receives is kept in order. */
export class RawPeer {
  readonly received: Buffer[][] = [];
  private readonly loop: Promise<void>;

  constructor(
    readonly socket: Dealer | Request,
    endpoint: string,
  ) {
    socket.connect(endpoint);
    this.loop = (async () => {
      try {
        for await (const frames of socket) this.received.push(frames);
      } catch {
        // closed
      }
    })();
  }

  static dealer(endpoint: string): RawPeer {
    return new RawPeer(new Dealer({ linger: 0 }), endpoint);
  }

  /** A REQ socket: it adds the empty delimiter itself and allows one request at a time. */
  static request(endpoint: string): RawPeer {
    return new RawPeer(new Request({ linger: 0 }), endpoint);
  }

  /** Async so that a send on a closed socket (zeromq throws EBADF synchronously) is a rejection like any other. */
  async send(frames: Array<Buffer | string | number[]>): Promise<void> {
    return this.socket.send(frames.map((f) => (Array.isArray(f) ? Buffer.from(f) : typeof f === 'string' ? Buffer.from(f) : f)));
  }

  /** Hex of each frame of each message received, for byte-level assertions. */
  hex(): string[][] {
    return this.received.map((frames) => frames.map((f) => f.toString('hex')));
  }

  async close(): Promise<void> {
    this.socket.close();
    await this.loop;
  }
}
