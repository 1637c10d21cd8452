import { randomBytes } from 'node:crypto';
import { Dealer } from 'zeromq';
import { secureDealer } from '../security/curve-client.js';
import type { CurveClientOptions } from '../security/curve-options.js';

/**
 * One client DEALER, used for one request at a time (MDP replies name only the service). With CURVE it remembers how
 * its handshakes went: a refusal by the broker's allow-list fails the request at once (libzmq does not retry it),
 * other handshake failures are named in the timeout's message.
 *
 * Its routing id is chosen here (32 random hex characters) rather than by the broker, so the client can name the
 * request in flight on it in an mmi.resolute.cancel when it gives up on it. A socket is never reused after that.
 */
export class RequestSocket {
  readonly routingId = randomBytes(16).toString('hex');
  readonly dealer = new Dealer({ linger: 0, sendTimeout: 0, routingId: this.routingId });
  /** Set once the broker refused our key. */
  refusal: Error | undefined;
  /** The last handshake failure since the last success. */
  handshakeError: string | undefined;
  /** Called on a refusal while a request is in flight on this socket. */
  onRefused: ((error: Error) => void) | undefined;

  constructor(
    readonly broker: string,
    curve: CurveClientOptions | undefined,
  ) {
    secureDealer(this.dealer, curve, {
      refused: (error) => {
        this.refusal = error;
        this.onRefused?.(error);
      },
      failed: (error) => (this.handshakeError = error.code ?? error.message),
      succeeded: () => (this.handshakeError = undefined),
    });
    this.dealer.connect(broker);
  }

  get closed(): boolean {
    return this.dealer.closed;
  }

  close(): void {
    this.onRefused = undefined;
    if (!this.dealer.closed) this.dealer.close();
  }
}
