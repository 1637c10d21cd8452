import type { Logger } from '@resolute/core';
import { Router } from 'zeromq';
import { z85Decode } from './z85.js';

/*
 * ZAP (ZeroMQ RFC 27) lets a CURVE server ask "may this client key connect?". libzmq asks whoever is bound to
 * inproc://zeromq.zap.01 in the socket's context; there can be only one per context, so one authenticator serves
 * every transport in the process, each under its own ZAP domain with its own allow-list. Requests for a domain we do
 * not know are allowed: they come from sockets that did not ask for an allow-list.
 *
 * Request (from libzmq, through our ROUTER): [routing-id, "", "1.0", request-id, domain, address, identity,
 *   mechanism, credentials...]; for CURVE the one credential is the client's 32-byte public key.
 * Reply: [routing-id, "", "1.0", request-id, status-code, status-text, user-id, metadata].
 */
const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';

let socket: Router | undefined;
let loop: Promise<void> | undefined;
let starting: Promise<void> | undefined;
let counter = 0;
const domains = new Map<string, { allowed: Buffer[]; logger: Logger; denied: () => void }>();

export interface ZapRegistration {
  readonly domain: string;
  release(): Promise<void>;
}

export async function registerAllowList(allowedZ85: readonly string[], logger: Logger, denied: () => void): Promise<ZapRegistration> {
  const domain = `resolute-${process.pid}-${++counter}`;
  domains.set(domain, { allowed: allowedZ85.map(z85Decode), logger, denied });
  // Concurrent first registrations share one bind (a second bind of the endpoint would fail).
  starting ??= socket !== undefined ? undefined : start();
  await starting;
  return {
    domain,
    async release() {
      domains.delete(domain);
      if (domains.size === 0 && socket !== undefined) {
        const closing = socket;
        socket = undefined;
        closing.close();
        await loop;
      }
    },
  };
}

async function start(): Promise<void> {
  try {
    const router = new Router({ linger: 0 });
    await router.bind(ZAP_ENDPOINT);
    socket = router;
    loop = serve(router);
  } finally {
    starting = undefined;
  }
}

async function serve(router: Router): Promise<void> {
  try {
    for await (const [routingId, empty, version, requestId, domainFrame, address, , mechanism, credential] of router) {
      if (routingId === undefined || empty === undefined || requestId === undefined) continue;
      const domain = domainFrame?.toString() ?? '';
      const entry = domains.get(domain);
      let status = '200';
      let text = 'OK';
      if (version?.toString() !== '1.0') [status, text] = ['500', 'unsupported ZAP version'];
      else if (entry !== undefined) {
        const known = mechanism?.toString() === 'CURVE' && credential !== undefined && entry.allowed.some((key) => key.equals(credential));
        if (!known) {
          [status, text] = ['400', 'client key not allowed'];
          entry.denied();
          entry.logger.warn({ address: address?.toString(), mechanism: mechanism?.toString() }, 'zmq-peer refused a client whose key is not in curve.allowClients');
        }
      }
      await router.send([routingId, Buffer.alloc(0), '1.0', requestId, status, text, '', Buffer.alloc(0)]);
    }
  } catch {
    // The socket closed: the last transport released it.
  }
}
