import type { AddressInfo } from 'node:net';
import { type Bus, type BusConfigInput, createBusFromConfig, loadBusConfig, type Logger } from '@resolute/core';
import { buildSignupServer, SIGNED_UP_TOPIC } from './server.js';
import { UserStore } from './user-store.js';

export interface SignupWebOptions {
  /** The `web` bus section (store paths already absolute: see demo-kit's busSection). */
  bus: BusConfigInput;
  /** Profile to apply; undefined: RESOLUTE_PROFILE, then the section's defaultProfile. */
  profile?: string | undefined;
  /** Absolute directory for users.jsonl. */
  dataDir: string;
  http: { host: string; port: number };
  mailboxUrl?: string | undefined;
  logger: Logger;
}

export interface SignupWeb {
  /** e.g. http://127.0.0.1:3000 */
  readonly url: string;
  readonly bus: Bus;
  readonly users: UserStore;
  /** Stops taking requests (running ones finish), closes the bus, then the user file. Safe to call twice. */
  close(): Promise<void>;
}

/** Starts the website: user store, bus (publishing user.signedUp), HTTP server. */
export async function startSignupWeb(options: SignupWebOptions): Promise<SignupWeb> {
  const { logger } = options;
  const resolved = await loadBusConfig(options.bus, { profile: options.profile });
  const { transport, store } = resolved.config;
  const backend = `${resolved.profile ?? 'base config'} (${transport.type} + ${store.type})`;
  const users = await UserStore.open(options.dataDir);
  let bus: Bus;
  try {
    bus = await createBusFromConfig(options.bus, { profile: options.profile, logger: logger.child?.({ component: 'bus' }) ?? logger });
  } catch (error) {
    await users.close();
    throw error;
  }
  bus.on('unrouted', (e) => logger.debug({ id: e.id, topic: e.topic }, 'published with no subscriber'));

  // Users saved by an earlier run whose event was not confirmed published (it stopped in between): publish them now.
  for (const user of users.unpublished()) {
    const receipt = await bus.publish(SIGNED_UP_TOPIC, { userId: user.userId, name: user.name, email: user.email, signedUpAt: user.signedUpAt });
    await users.markPublished(user.userId, receipt.id);
    logger.warn({ userId: user.userId, messageId: receipt.id }, 'published user.signedUp left over from the last run');
  }

  const app = buildSignupServer({
    users,
    publisher: bus,
    logger,
    mailboxUrl: options.mailboxUrl,
    backend,
    health: () => ({ bus: bus.name, profile: resolved.profile, stats: bus.stats() }),
  });
  try {
    await app.listen({ host: options.http.host, port: options.http.port });
  } catch (error) {
    await bus.close();
    await users.close();
    throw error;
  }
  const { port } = app.server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${options.http.host}:${port}`,
    bus,
    users,
    close() {
      closing ??= (async () => {
        await app.close();
        await bus.close();
        await users.close();
      })();
      return closing;
    },
  };
}
