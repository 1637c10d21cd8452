import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROFILE_ENV } from '@resolute/core';
import { CONFIG_ENV, CONFIG_FILE, type DemoConfig, loadDemoConfig } from 'demo-kit';
import { type DemoServices, demoServices, isSubscribed, type ServiceProcess, type ServiceSpec, startService, waitUntilHealthy } from '../src/index.js';
import { privatePrefix, type PrivatePrefix } from './private-prefix.js';
import { privateVhost, type PrivateVhost } from './private-vhost.js';

/** The repository's resolute.config.json: tests run the demo from a copy of it with private ports and data. */
export const ROOT_CONFIG = fileURLToPath(new URL(`../../../${CONFIG_FILE}`, import.meta.url));

/** `count` distinct TCP ports that were free a moment ago on 127.0.0.1 (all held open at once, so no repeats). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/**
 * The bus profiles the demo's e2e and disaster tests run on: one per backend that has landed (issue 5). Each must be
 * a profile of both bus sections of resolute.config.json (profiles.test.ts checks), and privateDemoConfig must know
 * how to make its transport private.
 */
export const DEMO_PROFILES = ['zmq', 'amqp', 'redis'] as const;
export type DemoProfile = (typeof DEMO_PROFILES)[number];

interface BackendSection {
  type: string;
  [option: string]: unknown;
}

interface BusSectionFile {
  transport: BackendSection & { bind?: string };
  store: BackendSection;
  defaultProfile?: string;
  profiles: Record<string, { transport?: BackendSection; store?: BackendSection }>;
}

/** The fields of resolute.config.json a private copy changes. */
interface ConfigFile {
  web: BusSectionFile;
  email: BusSectionFile & { bus: { endpoints: { web: string } } };
  signupWeb: { http: { port: number }; mailboxUrl: string };
  emailService: { http: { port: number }; smtp: { port: number } };
  smtpSink: { smtpPort: number; httpPort: number };
}

/** A private copy of the demo's config for one profile, and what the services need to run on it. */
export interface PrivateDemo {
  /** The temp directory holding the copy; its ./.data/... paths resolve inside it. */
  readonly dir: string;
  readonly config: DemoConfig;
  readonly profile: DemoProfile;
  /** The profile's transport type, as the services report it (e.g. "zmq-peer", "amqp-adapter"). */
  readonly transport: string;
  /** The profile's store type (e.g. "level", "redis"). */
  readonly store: string;
  /** For the services' environment: RESOLUTE_CONFIG (the copy) and RESOLUTE_PROFILE. */
  readonly env: Readonly<Record<string, string>>;
  /** Deletes the temp directory (unless `keepDir`) and what the profile made private on a shared server. */
  remove(options?: { keepDir?: boolean }): Promise<void>;
}

/**
 * Copies the repository's config into a new temp directory with free ports everywhere, keeping only `profile` (also
 * made the default, so a service that misses RESOLUTE_PROFILE still runs on it). Its relative data paths
 * (./.data/...) are kept as they are: they now resolve inside the temp directory, which is the point. A transport on
 * a shared server gets a private space there: `amqp-adapter` a vhost of its own on the machine's RabbitMQ, created
 * here and deleted by `remove`, so the test neither sees nor leaves queues in anyone else's; `redis-bus` a key prefix
 * of its own on the machine's Redis (transport and store), whose keys `remove` deletes.
 */
export async function privateDemoConfig(profile: DemoProfile = 'zmq'): Promise<PrivateDemo> {
  const data = JSON.parse(await readFile(ROOT_CONFIG, 'utf8')) as ConfigFile;
  const [webBus, emailBus, webHttp, emailHttp, smtp, sinkHttp] = (await freePorts(6)) as [number, number, number, number, number, number];
  data.web.transport.bind = `tcp://127.0.0.1:${webBus}`;
  data.email.transport.bind = `tcp://127.0.0.1:${emailBus}`;
  data.email.bus.endpoints.web = `tcp://127.0.0.1:${webBus}`;
  data.signupWeb.http.port = webHttp;
  data.signupWeb.mailboxUrl = `http://127.0.0.1:${sinkHttp}/messages`;
  data.emailService.http.port = emailHttp;
  data.emailService.smtp.port = smtp;
  data.smtpSink.smtpPort = smtp;
  data.smtpSink.httpPort = sinkHttp;

  const transports = new Set<string>();
  const stores = new Set<string>();
  for (const section of [data.web, data.email]) {
    const chosen = section.profiles[profile];
    if (chosen === undefined) throw new Error(`${ROOT_CONFIG} has no "${profile}" profile in every bus section: add it, or drop it from DEMO_PROFILES`);
    section.profiles = { [profile]: chosen };
    section.defaultProfile = profile;
    transports.add((chosen.transport ?? section.transport).type);
    stores.add((chosen.store ?? section.store).type);
  }
  if (transports.size !== 1) throw new Error(`the "${profile}" profile uses different transports for web and email (${[...transports].join(', ')}): the demo tests expect one`);
  const [transport] = [...transports] as [string];
  if (stores.size !== 1) throw new Error(`the "${profile}" profile uses different stores for web and email (${[...stores].join(', ')}): the demo tests expect one`);
  const [store] = [...stores] as [string];

  if (transport !== 'zmq-peer' && transport !== 'amqp-adapter' && transport !== 'redis-bus') {
    throw new Error(`privateDemoConfig does not know how to give the ${transport} transport (profile "${profile}") private ports or a private space on its server: add that before testing the profile`);
  }

  const dir = await mkdtemp(join(tmpdir(), `resolute-demo-${profile}-`));
  let vhost: PrivateVhost | undefined;
  let prefix: PrivatePrefix | undefined;
  const remove = async (options: { keepDir?: boolean } = {}): Promise<void> => {
    await vhost?.remove();
    await prefix?.remove();
    if (options.keepDir !== true) await rm(dir, { recursive: true, force: true });
  };
  try {
    if (transport === 'amqp-adapter') {
      vhost = await privateVhost(`resolute-demo-${profile}`);
      for (const section of [data.web, data.email]) (section.profiles[profile]!.transport ?? section.transport).vhost = vhost.name;
    }
    if (transport === 'redis-bus') {
      // Transport and store share one prefix of the test's own on the machine's Redis, deleted by remove().
      const configured = (data.web.profiles[profile]!.transport ?? data.web.transport).url;
      const url = typeof configured === 'string' ? configured : 'redis://127.0.0.1:6379';
      prefix = await privatePrefix(url, `resolute-demo-${profile}`);
      for (const section of [data.web, data.email]) {
        const chosen = section.profiles[profile]!;
        for (const backend of [chosen.transport, chosen.store]) if (backend !== undefined && 'prefix' in backend) backend.prefix = prefix.name;
      }
    }
    const path = join(dir, CONFIG_FILE);
    await writeFile(path, JSON.stringify(data, null, 2));
    return { dir, config: await loadDemoConfig(path), profile, transport, store, env: { [CONFIG_ENV]: path, [PROFILE_ENV]: profile }, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** What the SMTP sink's `GET /messages` answers, as far as the tests read it. */
export interface SinkMessages {
  count: number;
  duplicates: number;
  messages: Array<{ messageId: string; envelope: { to: string[] }; subject: string }>;
}

/**
 * The demo's three services as processes on one private config and profile. `running` holds the last process started
 * for each service name, in first-start order; `stopAll` stops them in reverse.
 */
export class DemoProcesses {
  readonly specs: DemoServices;
  readonly running = new Map<string, ServiceProcess>();

  constructor(private readonly demo: PrivateDemo) {
    this.specs = demoServices(demo.config);
  }

  /** Starts (or restarts) one service on the config and profile and waits until its health check answers. */
  async start(spec: ServiceSpec): Promise<ServiceProcess> {
    const service = startService(spec, { env: this.demo.env });
    this.running.set(spec.name, service);
    await waitUntilHealthy(service);
    return service;
  }

  /** Starts the SMTP sink, the email service and the website, then waits until the email service is subscribed. */
  async startAll(): Promise<void> {
    await this.start(this.specs.sink);
    const email = await this.start(this.specs.email);
    await this.start(this.specs.web);
    await waitUntilHealthy(email, isSubscribed);
  }

  /** Stops every service started, the last one first. */
  async stopAll(): Promise<void> {
    for (const service of [...this.running.values()].reverse()) await service.stop(5_000);
  }

  /** A service's GET /healthz answer. */
  async health(spec: ServiceSpec): Promise<Record<string, unknown>> {
    const response = await fetch(spec.healthUrl);
    return (await response.json()) as Record<string, unknown>;
  }

  /** The SMTP sink's mailbox. */
  async sinkMessages(): Promise<SinkMessages> {
    const response = await fetch(`${this.specs.sinkUrl}/messages`);
    return (await response.json()) as SinkMessages;
  }
}

export const CHROMIUM = '/usr/bin/chromium';

/** The flags from shared/MACHINE-NOTES.md for Debian's Chromium on this machine. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * Makes sure Debian's Chromium is installed: `apt-get install -y chromium` when it is missing (after `apt-get update`
 * if the first try fails). Throws naming the package when that is not possible (not root, no apt, no network).
 */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  const install = () => spawnSync('apt-get', ['install', '-y', 'chromium'], { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 600_000 });
  let result = install();
  if (result.status !== 0) {
    spawnSync('apt-get', ['update'], { encoding: 'utf8', timeout: 300_000 });
    result = install();
  }
  if (!existsSync(CHROMIUM)) {
    const why = result.error?.message ?? `${result.stderr}`.trim().split('\n').slice(-3).join(' / ');
    throw new Error(`the browser test needs Debian's "chromium" package at ${CHROMIUM}: install it with \`apt-get install -y chromium\` as root (automatic install failed: ${why})`);
  }
  return CHROMIUM;
}
