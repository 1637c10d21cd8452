/*
 * 8/MMI, the Majordomo Management Interface (https://rfc.zeromq.org/spec/8/). A client sends an ordinary request to a
 * service whose name starts with "mmi."; the broker answers it itself with a one-frame status body.
 *
 *   mmi.service  body: [service name]  ->  "200" if a worker for it is registered, else "404"
 *   any other mmi.* service            ->  "501" (not implemented)
 */
export const MMI_PREFIX = 'mmi.';
export const MMI_SERVICE = 'mmi.service';

export const isMmi = (service: string): boolean => service.startsWith(MMI_PREFIX);

/** The status body the broker sends back for an MMI request; `hasWorkers` says whether a service has live workers. */
export function mmiReply(service: string, body: readonly Buffer[], hasWorkers: (name: string) => boolean): Buffer[] {
  if (service !== MMI_SERVICE) return [Buffer.from('501')];
  const name = body[0]?.toString('latin1') ?? '';
  return [Buffer.from(hasWorkers(name) ? '200' : '404')];
}
