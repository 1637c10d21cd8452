import type { Dealer } from 'zeromq';
import type { CurveClientOptions } from './curve-options.js';

export interface HandshakeWatcher {
  /** The broker's ZAP handler refused our public key (status 400): libzmq gives up on this connection. */
  refused(error: Error): void;
  /** The handshake failed otherwise (a broker without CURVE, a wrong serverKey, ...): libzmq keeps retrying. */
  failed(error: Error & { code?: string }): void;
  /** A handshake completed: the connection is secure and authenticated. */
  succeeded(): void;
}

/**
 * Makes `socket` a CURVE client of the broker and reports how its handshakes go; call before connect(). Without
 * `curve` the socket stays plain and nothing is watched (the socket monitor costs a socket pair).
 */
export function secureDealer(socket: Dealer, curve: CurveClientOptions | undefined, watcher: HandshakeWatcher): void {
  if (curve === undefined) return;
  socket.curveServerKey = curve.serverKey;
  socket.curvePublicKey = curve.publicKey;
  socket.curveSecretKey = curve.secretKey;
  socket.events.on('handshake:error:auth', (event) => watcher.refused(event.error));
  socket.events.on('handshake:error:protocol', (event) => watcher.failed(event.error));
  socket.events.on('handshake:error:other', (event) => watcher.failed(event.error));
  socket.events.on('handshake', () => watcher.succeeded());
}
