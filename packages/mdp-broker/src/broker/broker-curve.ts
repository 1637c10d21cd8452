import type { Logger } from '@resolute/core';
import { Context, type Router } from 'zeromq';
import type { CurveServerOptions } from '../security/curve-options.js';
import { ZapHandler } from '../security/zap-handler.js';
import type { BrokerCounters } from './broker-stats.js';

const ZAP_DOMAIN = 'resolute-mdp-broker';

/**
 * CURVE on the broker's ROUTER (26/CURVEZMQ through ZMTP): every worker and client connection is encrypted and the
 * peer must know the broker's public key; with `allow`, a ZAP handler (27/ZAP) also refuses peers whose own public key
 * is not listed. The ROUTER and the handler live in a private zeromq Context, so the handler answers only for this
 * broker and cannot clash with another ZAP handler in the process (zmq-peer binds one in the default context).
 */
export class BrokerCurve {
  readonly context = new Context({ blocky: false });
  private zap: ZapHandler | undefined;

  constructor(
    private readonly curve: CurveServerOptions,
    private readonly counters: BrokerCounters,
    private readonly logger: Logger,
  ) {}

  /** Makes `socket` (created in this.context) a CURVE server and counts the handshakes that fail; before bind. */
  secure(socket: Router): void {
    socket.curveServer = true;
    socket.curvePublicKey = this.curve.publicKey;
    socket.curveSecretKey = this.curve.secretKey;
    socket.zapDomain = ZAP_DOMAIN;
    // A plain (NULL) peer, or one using another server key, fails here, before ZAP: count and say so at debug level
    // (such a peer retries every reconnect interval, so a warning each time would flood the log).
    const failed = (event: { error: Error & { code?: string } }): void => {
      this.counters.handshakeFailures += 1;
      this.logger.debug({ err: event.error, code: event.error.code }, 'mdp broker: a CURVE handshake failed: is the peer using CURVE with this broker\'s public key as curve.serverKey?');
    };
    socket.events.on('handshake:error:protocol', failed);
    socket.events.on('handshake:error:other', failed);
  }

  /** Starts the ZAP handler when there is an allow-list; must run before the ROUTER binds. */
  async start(): Promise<void> {
    const allow = this.curve.allow;
    if (allow === undefined || this.zap !== undefined) return;
    this.zap = await ZapHandler.bind(this.context, {
      allow,
      onRefused: (key, address) => {
        this.counters.peersRefused += 1;
        this.logger.warn({ key, address }, 'mdp broker: refused a peer whose CURVE public key is not in curve.allow: add its key there to let it in');
      },
    });
  }

  /** Stops the ZAP handler; after the ROUTER closed. */
  async close(): Promise<void> {
    await this.zap?.close();
    this.zap = undefined;
  }
}
