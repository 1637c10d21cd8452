import { readFileSync } from 'node:fs';
import type { Logger } from '@resolute/core';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { fetchMailbox, type MailboxView } from './mailbox-client.js';
import { renderSignupPage, type PageState } from './page.js';
import type { User, UserStore } from './user-store.js';
import { MESSAGES, validateSignup } from './validation.js';

export const SIGNED_UP_TOPIC = 'user.signedUp';

/** The event the website publishes; subscribers get exactly these fields. */
export interface UserSignedUpEvent {
  userId: string;
  name: string;
  email: string;
  signedUpAt: string;
}

/** What the website needs from a bus (a Bus fits): publish resolves once the event is durably in the outbox. */
export interface SignupPublisher {
  publish(topic: string, payload: UserSignedUpEvent): Promise<{ id: string; deliveries: number }>;
}

export interface SignupServerOptions {
  users: UserStore;
  publisher: SignupPublisher;
  logger: Logger;
  /** The SMTP sink's GET /messages, for the mailbox panel; omitted: no panel. */
  mailboxUrl?: string | undefined;
  /** Shown in the footer and /healthz, e.g. "zmq (zmq-peer + level)". */
  backend: string;
  /** Extra fields for GET /healthz (bus stats, say). */
  health?: () => object;
  /** Overrides how the mailbox is read (tests). */
  readMailbox?: (url: string) => Promise<MailboxView>;
}

const ASSETS = new URL('../public/', import.meta.url);
const STYLE = readFileSync(new URL('style.css', ASSETS), 'utf8');
const MAILBOX_SCRIPT = readFileSync(new URL('mailbox.js', ASSETS), 'utf8');

type SignupOutcome =
  | { status: 201; user: User; messageId: string; deliveries: number; note?: string }
  | { status: 400 | 409; errors: PageState['errors']; values: NonNullable<PageState['values']> }
  | { status: 503; user: User; failure: string };

function wantsJson(request: FastifyRequest): boolean {
  const type = request.headers['content-type'] ?? '';
  const accept = request.headers.accept ?? '';
  return type.startsWith('application/json') || (accept.includes('application/json') && !accept.includes('text/html'));
}

/**
 * The website: GET / (the signup page), POST /signup (form or JSON), GET /mailbox (the demo mailbox, read from the
 * SMTP sink), GET /healthz, and the page's two assets. POST /signup answers only after the user is on disk and the
 * `user.signedUp` event is durably published (`publish` resolved): a confirmed signup is never without its event.
 */
export function buildSignupServer(options: SignupServerOptions): FastifyInstance {
  const { users, publisher, logger } = options;
  const readMailbox = options.readMailbox ?? fetchMailbox;
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  const page = (state: Omit<PageState, 'backend' | 'mailbox'>): string =>
    renderSignupPage({ ...state, backend: options.backend, mailbox: options.mailboxUrl !== undefined });

  async function signUp(body: unknown): Promise<SignupOutcome> {
    const checked = validateSignup(body);
    if (!checked.ok) return { status: 400, errors: checked.errors, values: checked.values };
    const added = await users.add(checked.value);
    if ('taken' in added) return { status: 409, errors: { email: MESSAGES.emailTaken(checked.value.email) }, values: checked.value };
    const { user } = added;
    let receipt: { id: string; deliveries: number };
    try {
      receipt = await publisher.publish(SIGNED_UP_TOPIC, { userId: user.userId, name: user.name, email: user.email, signedUpAt: user.signedUpAt });
    } catch (error) {
      logger.error({ err: error, userId: user.userId }, 'user saved but user.signedUp could not be published: it is published again at the next start');
      return { status: 503, user, failure: `Your account is saved, but your welcome email could not be queued right now (${(error as Error).message}). It will be queued when the website restarts.` };
    }
    await users.markPublished(user.userId, receipt.id);
    logger.info({ userId: user.userId, email: user.email, messageId: receipt.id, deliveries: receipt.deliveries }, 'user signed up');
    // Publisher-routed transports (zmq) count the subscribers the website knows: 0 means nobody has subscribed yet.
    // Broker-routed ones (amqp) always say 1, the broker routing by topic, so the website cannot tell and does not
    // warn; RabbitMQ keeps the event for every endpoint that ever subscribed (its queue stays bound while it is down).
    if (receipt.deliveries > 0) return { status: 201, user, messageId: receipt.id, deliveries: receipt.deliveries };
    logger.warn({ messageId: receipt.id }, 'no service subscribes to user.signedUp yet: this signup sends no welcome email');
    return { status: 201, user, messageId: receipt.id, deliveries: 0, note: 'No email service has subscribed to signups yet, so this one gets no welcome email. Start the email service first.' };
  }

  app.post('/signup', async (request: FastifyRequest, reply: FastifyReply) => {
    const outcome = await signUp(request.body);
    const json = wantsJson(request);
    reply.code(outcome.status);
    if (outcome.status === 201) {
      const { user, messageId, deliveries, note } = outcome;
      if (json) return { ok: true, user, messageId, deliveries, ...(note === undefined ? {} : { note }) };
      return reply.type('text/html; charset=utf-8').send(page({ signedUp: { name: user.name, email: user.email, ...(note === undefined ? {} : { note }) } }));
    }
    if (outcome.status === 503) {
      if (json) return { ok: false, saved: true, user: outcome.user, error: outcome.failure };
      return reply.type('text/html; charset=utf-8').send(page({ failure: outcome.failure }));
    }
    if (json) return { ok: false, errors: outcome.errors };
    return reply.type('text/html; charset=utf-8').send(page({ errors: outcome.errors, values: outcome.values }));
  });

  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page({})));
  app.get('/style.css', async (_request, reply) => reply.type('text/css; charset=utf-8').send(STYLE));
  app.get('/mailbox.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(MAILBOX_SCRIPT));
  app.get('/mailbox', async (_request, reply) => {
    if (options.mailboxUrl === undefined) return reply.code(404).send({ available: false, reason: 'no mailboxUrl in the config' });
    return readMailbox(options.mailboxUrl);
  });
  app.get('/healthz', async () => ({ ok: true, users: users.size, backend: options.backend, ...options.health?.() }));
  return app;
}
