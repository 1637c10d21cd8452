import { Router, type Context } from 'zeromq';
import { z85Encode } from './z85.js';

/*
 * A ZAP handler (27/ZAP) with an allow-list of CURVE client keys. libzmq asks the handler bound to
 * inproc://zeromq.zap.01 *in the server socket's context* whether a client that completed the CURVE handshake may
 * connect. zmq-peer binds one in the default context; the broker runs its own in a private context, so the two
 * never compete for the endpoint in one process and each answers only for its own sockets.
 *
 *   request  (libzmq -> handler, via our ROUTER): [routing id, "", "1.0", request id, domain, address, identity,
 *            mechanism, credentials...]; for CURVE the one credential is the client's 32-byte public key.
 *   reply    (handler -> libzmq): [routing id, "", "1.0", request id, status, status text, user id, metadata]
 *            status "200" lets the client in; "400" refuses it (libzmq then closes the connection and reports an
 *            authentication failure to both sides; the client does not retry).
 */
export const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';

export interface ZapHandlerOptions {
  /** Allowed client public keys, Z85. */
  readonly allow: readonly string[];
  /** Called for each refusal, with the refused key (Z85) and the peer's address as libzmq reports it. */
  readonly onRefused: (key: string, address: string) => void;
}

export class ZapHandler {
  private readonly loop: Promise<void>;

  private constructor(
    private readonly socket: Router,
    private readonly options: ZapHandlerOptions,
  ) {
    this.loop = this.serve();
  }

  /** Binds the handler in `context`; it must be running before any CURVE server of that context binds. */
  static async bind(context: Context, options: ZapHandlerOptions): Promise<ZapHandler> {
    const socket = new Router({ linger: 0, context });
    try {
      await socket.bind(ZAP_ENDPOINT);
    } catch (error) {
      socket.close();
      throw error;
    }
    return new ZapHandler(socket, options);
  }

  /** Stops answering; close it after the server socket it serves. */
  async close(): Promise<void> {
    if (!this.socket.closed) this.socket.close();
    await this.loop;
  }

  private async serve(): Promise<void> {
    const allowed = new Set(this.options.allow);
    try {
      for await (const [routingId, delimiter, version, requestId, , address, , mechanism, credential] of this.socket) {
        if (routingId === undefined || delimiter === undefined || requestId === undefined) continue;
        const key = mechanism?.toString() === 'CURVE' && credential?.length === 32 ? z85Encode(credential) : undefined;
        let reply: [status: string, text: string, userId: string];
        if (version?.toString() !== '1.0') reply = ['500', 'unsupported ZAP version', ''];
        else if (key !== undefined && allowed.has(key)) reply = ['200', 'OK', key];
        else {
          reply = ['400', 'client key not allowed', ''];
          this.options.onRefused(key ?? `(${mechanism?.toString() ?? 'no'} mechanism)`, address?.toString() ?? '');
        }
        await this.socket.send([routingId, delimiter, '1.0', requestId, ...reply, Buffer.alloc(0)]);
      }
    } catch {
      // The socket was closed: the broker is shutting down.
    }
  }
}
