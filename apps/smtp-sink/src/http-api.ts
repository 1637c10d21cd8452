import Fastify, { type FastifyInstance } from 'fastify';
import type { Mailbox } from './mailbox.js';

/**
 * The mailbox over HTTP, for the signup page's mailbox panel and for tests:
 * - `GET /messages` → `{ count, duplicates, duplicateMessageIds, messages: [...] }` in the order received
 *   (`?to=ada@example.com` keeps the mails whose envelope recipients include that address);
 * - `GET /healthz` → `{ ok: true, count }`.
 */
export function buildHttpApi(mailbox: Mailbox): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get<{ Querystring: { to?: string } }>('/messages', async (request) => {
    const snapshot = mailbox.snapshot();
    const to = request.query.to?.toLowerCase();
    if (to === undefined) return snapshot;
    return { ...snapshot, messages: snapshot.messages.filter((m) => m.envelope.to.some((r) => r.toLowerCase() === to)) };
  });
  app.get('/healthz', async () => ({ ok: true, count: mailbox.snapshot().count }));
  return app;
}
