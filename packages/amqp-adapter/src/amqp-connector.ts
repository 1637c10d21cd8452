import type { Logger } from '@resolute/core';
import { connect, credentials } from 'amqplib';
import type { AmqpOptions } from './amqp-options.js';
import { connectionCredentials, connectionUrl, redactedUrl } from './amqp-options.js';
import type { Session } from './amqp-session.js';
import { mapAmqpError } from './map-amqp-error.js';

export interface ConnectorHooks {
  /** Declares the topology and starts consuming on a fresh session; a throw drops the session (and retries). */
  ready(session: Session): Promise<void>;
  /** The session died (or was closed): settle what depended on it. Called once per session. */
  lost(session: Session, error: unknown): void;
}

/**
 * Owns the connection: dials, builds sessions, notices their death and redials with exponential backoff until
 * closed. Lifecycle goes to the logger (`amqp connected`, `amqp connection lost`, `amqp reconnect failed`).
 */
export class AmqpConnector {
  private current: Session | undefined;
  private sessions = 0;
  private closed = false;
  private waiters = new Set<() => void>();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private connecting: Promise<Session> | undefined;

  constructor(
    private readonly options: AmqpOptions,
    private readonly logger: Logger,
    private readonly endpoint: string,
    private readonly hooks: ConnectorHooks,
  ) {}

  get session(): Session | undefined {
    return this.current;
  }

  get connects(): number {
    return this.sessions;
  }

  /** The first connection: rejects with UNREACHABLE / AUTH_FAILED / INVALID_CONFIG instead of retrying. */
  async start(): Promise<void> {
    await this.connectOnce();
  }

  /** The live session, waiting up to `timeoutMs` for a reconnect; undefined if none came (or closed/aborted). */
  async waitForSession(timeoutMs: number, signal?: AbortSignal): Promise<Session | undefined> {
    if (this.current !== undefined || this.closed || signal?.aborted) return this.current;
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve(this.closed ? undefined : this.current);
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }

  /** Drops a session that misbehaved (a consumer cancelled by the broker, say) so a fresh one is built. */
  drop(session: Session, reason: unknown): void {
    this.lose(session, reason);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    await this.connecting?.catch(() => undefined);
    const session = this.current;
    if (session !== undefined) {
      this.lose(session, new Error('transport closed'));
      await session.model.close().catch(() => undefined);
    }
    for (const wake of [...this.waiters]) wake();
  }

  private connectOnce(): Promise<Session> {
    this.connecting = this.dial().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async dial(): Promise<Session> {
    const { tls } = this.options;
    const login = connectionCredentials(this.options);
    const socketOptions = {
      timeout: this.options.connectTimeoutMs,
      clientProperties: { connection_name: `resolute:${this.endpoint}` },
      credentials: credentials.plain(login.username, login.password),
      ...(tls ?? {}),
    };
    let model;
    try {
      model = await connect(connectionUrl(this.options), socketOptions);
    } catch (error) {
      throw mapAmqpError(error, `amqp-adapter: connecting to ${redactedUrl(this.options)}`);
    }
    try {
      const publish = await model.createConfirmChannel();
      const consume = await model.createChannel();
      await consume.prefetch(this.options.prefetch);
      const session: Session = { id: ++this.sessions, model, publish, consume, declared: new Map(), returned: new Set(), dead: false, needsDrain: false };
      model.on('error', (error: unknown) => this.logger.warn({ err: error, session: session.id }, 'amqp connection error'));
      model.on('close', (error: unknown) => this.lose(session, error ?? new Error('connection closed')));
      model.on('blocked', (reason: unknown) => this.logger.warn({ reason, session: session.id }, 'amqp broker blocked publishing (resource alarm)'));
      model.on('unblocked', () => this.logger.info({ session: session.id }, 'amqp broker unblocked publishing'));
      for (const channel of [publish, consume]) {
        channel.on('error', (error: unknown) => this.logger.warn({ err: error, session: session.id }, 'amqp channel error'));
        channel.on('close', () => this.lose(session, new Error('channel closed')));
      }
      publish.on('return', (message: { properties: { messageId?: unknown } }) => {
        if (typeof message.properties.messageId === 'string') session.returned.add(message.properties.messageId);
      });
      publish.on('drain', () => {
        session.needsDrain = false;
        for (const wake of [...this.waiters]) wake();
      });
      await this.hooks.ready(session);
      if (session.dead) throw new Error('connection lost while declaring the topology');
      if (this.closed) {
        session.dead = true;
        await model.close().catch(() => undefined);
        throw new Error('transport closed while connecting');
      }
      this.current = session;
      this.attempt = 0;
      this.logger.info({ session: session.id, url: redactedUrl(this.options) }, session.id === 1 ? 'amqp connected' : 'amqp reconnected, topology recovered');
      for (const wake of [...this.waiters]) wake();
      return session;
    } catch (error) {
      await model.close().catch(() => undefined);
      throw mapAmqpError(error, `amqp-adapter: setting up the session on ${redactedUrl(this.options)}`);
    }
  }

  /** Wakes everyone waiting for a session or for the publish channel to drain. */
  wake(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves when the publish channel drained, the session died, or after `timeoutMs`; true if it can write. */
  async waitForDrain(session: Session, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (session.needsDrain && !session.dead && !signal?.aborted && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.max(1, deadline - Date.now()));
        this.waiters.add(done);
      });
    }
    return !session.needsDrain && !session.dead;
  }

  private lose(session: Session, error: unknown): void {
    if (session.dead) return;
    session.dead = true;
    if (this.current === session) this.current = undefined;
    this.hooks.lost(session, error);
    session.model.close().catch(() => undefined);
    this.wake();
    if (this.closed) return;
    this.logger.warn({ err: error, session: session.id }, 'amqp connection lost: reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer !== undefined || this.connecting !== undefined) return;
    const { initialDelayMs, maxDelayMs, factor } = this.options.reconnect;
    const delay = Math.min(maxDelayMs, initialDelayMs * factor ** this.attempt) * (0.8 + Math.random() * 0.4);
    this.attempt++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closed || this.current !== undefined) return;
      this.connectOnce().catch((error: unknown) => {
        this.logger.warn({ err: error, attempt: this.attempt }, 'amqp reconnect failed: trying again');
        this.scheduleReconnect();
      });
    }, delay);
  }
}
