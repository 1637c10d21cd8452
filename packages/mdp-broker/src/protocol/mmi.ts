/*
 * 8/MMI, the Majordomo Management Interface (https://rfc.zeromq.org/spec/8/). A client sends an ordinary request to a
 * service whose name starts with "mmi."; the broker answers it itself with a one-frame status body.
 *
 *   mmi.service  body: [service name]  ->  "200" if a worker for it is registered, else "404"
 *   any other mmi.* service            ->  "501" (not implemented)
 *
 * Resolute extension (8/MMI leaves the namespace to the broker, and other MMI brokers answer it 501, so a Resolute
 * client talking to them just gets no cancellation):
 *   mmi.resolute.cancel  body: [routing id of the client socket whose request is abandoned]
 *     -> "200": the request was taken out of its queue, or its worker was sent DISCONNECT (18/MDP's only way to
 *        withdraw a request; the worker reconnects); "404": no such request now (finished, or not arrived yet: the
 *        id is then remembered for requestExpiryMs and a request from it is dropped); "400": malformed body.
 *   mmi.resolute.alive  body: [routing id of the client socket whose request is still wanted, its interval in ms]
 *     Sent by the client on that request's own socket (so it cannot overtake the request) every interval while the
 *     request is outstanding. From the first one on, the broker expects the next within liveness x interval; when
 *     none comes (the client process died), the request is withdrawn exactly as by mmi.resolute.cancel. Requests
 *     whose client never sent one (plain MDP clients) are never cut off.
 *     -> "200": the request is known (queued or at a worker); "404": no such request now; "400": malformed body.
 */
export const MMI_PREFIX = 'mmi.';
export const MMI_SERVICE = 'mmi.service';
export const MMI_CANCEL = 'mmi.resolute.cancel';
export const MMI_ALIVE = 'mmi.resolute.alive';

export const isMmi = (service: string): boolean => service.startsWith(MMI_PREFIX);

/** The status body the broker sends back for an MMI request; `hasWorkers` says whether a service has live workers. */
export function mmiReply(service: string, body: readonly Buffer[], hasWorkers: (name: string) => boolean): Buffer[] {
  if (service !== MMI_SERVICE) return [Buffer.from('501')];
  const name = body[0]?.toString('latin1') ?? '';
  return [Buffer.from(hasWorkers(name) ? '200' : '404')];
}
