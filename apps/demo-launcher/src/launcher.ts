import type { Logger } from '@resolute/core';
import { CONFIG_ENV, type DemoConfig } from 'demo-kit';
import { demoServices, isSubscribed } from './demo-services.js';
import { type ServiceProcess, startService, waitUntilHealthy } from './service-process.js';

export interface Demo {
  readonly url: string;
  /** Resolves when a service exits on its own (a crash): with its name. */
  readonly failed: Promise<string>;
  /** Stops the website, then the email service, then the sink (SIGTERM each, SIGKILL after 10 s); true if all exited 0. */
  stop(): Promise<boolean>;
}

export interface LaunchOptions {
  config: DemoConfig;
  logger: Logger;
  /** Where the services' output lines go, already prefixed with their name. */
  print: (line: string) => void;
  /** How long to wait for the email service's subscription to reach the website. Default 20 s. */
  subscribeTimeoutMs?: number;
}

/**
 * Starts the SMTP sink, the email service and the website, each once the one before is healthy (the email service
 * first, so its subscription is waiting in its outbox when the website comes up), then waits until the website has
 * the subscription, so the first signup already gets its email.
 */
export async function launchDemo(options: LaunchOptions): Promise<Demo> {
  const { config, logger, print } = options;
  const specs = demoServices(config);
  const started: ServiceProcess[] = [];
  let stopping = false;
  const env = { [CONFIG_ENV]: config.path };
  let reportFailure: (name: string) => void = () => undefined;
  const failed = new Promise<string>((resolve) => (reportFailure = resolve));

  const start = async (spec: (typeof specs)['sink'], ready?: (body: unknown) => boolean): Promise<ServiceProcess> => {
    const service = startService(spec, { env, onLine: (line) => print(`${spec.name.padEnd(5)} | ${line}`) });
    started.push(service);
    void service.exited.then(({ code, signal }) => {
      if (stopping) return;
      logger.error({ service: spec.name, code, signal }, 'a service stopped on its own');
      reportFailure(spec.name);
    });
    await waitUntilHealthy(service, ready);
    return service;
  };

  const stop = async (): Promise<boolean> => {
    stopping = true;
    let clean = true;
    for (const service of [...started].reverse()) {
      const { code, signal } = await service.stop();
      if (code !== 0) clean = false;
      logger.info({ service: service.spec.name, code, signal }, 'service stopped');
    }
    return clean;
  };

  try {
    await start(specs.sink);
    const email = await start(specs.email);
    await start(specs.web);
    await waitUntilHealthy(email, isSubscribed, options.subscribeTimeoutMs ?? 20_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: specs.url, failed, stop };
}
