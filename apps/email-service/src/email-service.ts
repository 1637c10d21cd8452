import {
  type Bus,
  type BusConfigInput,
  type BusStats,
  createBusFromConfig,
  loadBusConfig,
  type Logger,
  type TransportCapabilities,
  UnrecoverableError,
} from '@resolute/core';
import { startHealthServer } from './health-server.js';
import type { MailSender } from './smtp-sender.js';
import { renderWelcomeEmail, userSignedUpSchema } from './welcome-email.js';

/** The event this service reacts to, and the endpoint (a name in the bus config's `endpoints`) that publishes it. */
export const SIGNED_UP_TOPIC = 'user.signedUp';
export const PUBLISHER_ENDPOINT = 'web';

export interface EmailServiceOptions {
  /** The `email` bus section (store paths already absolute: see demo-kit's busSection). */
  bus: BusConfigInput;
  /** Profile to apply; undefined: RESOLUTE_PROFILE, then the section's defaultProfile. */
  profile?: string | undefined;
  /** From header of the welcome emails. */
  from: string;
  sender: MailSender;
  /** Where GET /healthz listens; omitted: no HTTP at all. */
  http?: { host: string; port: number };
  logger: Logger;
}

export interface EmailServiceStatus {
  ok: true;
  bus: string;
  profile: string | undefined;
  transport: string;
  /** The subscription reached the publisher (publisher-routed), or the broker has it (brokered). */
  subscribed: boolean;
  /** Welcome emails the SMTP server accepted since start. */
  sent: number;
  stats: BusStats;
}

export interface EmailService {
  readonly bus: Bus;
  /** Base URL of the health endpoint, when `http` was given. */
  readonly healthUrl: string | undefined;
  status(): EmailServiceStatus;
  /** Stops the health endpoint, lets a running send finish (bus closeTimeoutMs), closes the bus. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts the email service: its bus subscribes to `user.signedUp` from `web`, and each event becomes one welcome
 * email. The handler resolves only once the SMTP server accepted the mail, so an SMTP outage means retries with
 * backoff (`inbox.retry`, up to `inbox.maxAttempts`), not loss. The email's Message-ID is derived from the bus message
 * id, so a redelivered event produces the same Message-ID and a receiver can drop it.
 */
export async function startEmailService(options: EmailServiceOptions): Promise<EmailService> {
  const { sender, logger, from } = options;
  const resolved = await loadBusConfig(options.bus, { profile: options.profile });
  const bus = await createBusFromConfig(options.bus, { profile: options.profile, logger: logger.child?.({ component: 'bus' }) ?? logger });
  let subscribed = false;
  let sent = 0;
  bus.on('delivered', () => {
    // The only thing this bus sends is its subscription request: once one is acknowledged, the publisher has it.
    if (!subscribed) logger.info({ publisher: PUBLISHER_ENDPOINT, topic: SIGNED_UP_TOPIC }, 'subscription registered at the publisher');
    subscribed = true;
  });
  bus.on('retry', (e) => logger.warn({ id: e.id, attempt: e.attempt, retryInMs: Math.round(e.delayMs), err: e.error }, 'welcome email not sent yet: will retry'));
  bus.on('dead', (e) => logger.error({ id: e.id, err: e.error }, 'welcome email given up: the event is in the dead letters'));

  try {
    await bus.subscribe(
      SIGNED_UP_TOPIC,
      async (payload, ctx) => {
        const user = userSignedUpSchema.safeParse(payload);
        if (!user.success) {
          throw new UnrecoverableError(`${SIGNED_UP_TOPIC} ${ctx.id} is not a signup this service understands (${user.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`);
        }
        const mail = renderWelcomeEmail(user.data, { from, busMessageId: ctx.id });
        const info = await sender.send(mail);
        sent++;
        logger.info({ to: mail.to.address, messageId: mail.messageId, attempt: ctx.attempt + 1, smtp: info.response }, 'welcome email sent');
      },
      { from: PUBLISHER_ENDPOINT, name: 'welcome-email' },
    );
    // Brokered transports subscribe at the broker inside subscribe(): nothing is sent to the publisher.
    if ((bus.capabilities as TransportCapabilities).routing === 'broker') subscribed = true;
  } catch (error) {
    await bus.close();
    throw error;
  }

  const status = (): EmailServiceStatus => ({
    ok: true,
    bus: bus.name,
    profile: resolved.profile,
    transport: resolved.config.transport.type,
    subscribed,
    sent,
    stats: bus.stats(),
  });

  let health: { url: string; close(): Promise<void> } | undefined;
  if (options.http !== undefined) {
    try {
      health = await startHealthServer(options.http.host, options.http.port, status);
    } catch (error) {
      await bus.close();
      throw error;
    }
  }

  let closing: Promise<void> | undefined;
  return {
    bus,
    healthUrl: health?.url,
    status,
    close() {
      closing ??= (async () => {
        await health?.close();
        await bus.close();
        sender.close();
      })();
      return closing;
    },
  };
}
