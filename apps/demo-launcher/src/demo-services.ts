import { fileURLToPath } from 'node:url';
import { appSection, type DemoConfig } from 'demo-kit';
import { emailServiceConfigSchema } from 'email-service';
import { webConfigSchema } from 'signup-web';
import { sinkConfigSchema } from 'smtp-sink';
import type { ServiceSpec } from './service-process.js';

export interface DemoServices {
  sink: ServiceSpec;
  email: ServiceSpec;
  web: ServiceSpec;
  /** The signup page. */
  url: string;
  /** The SMTP sink's HTTP API (GET /messages). */
  sinkUrl: string;
}

function entry(app: string): string {
  return fileURLToPath(import.meta.resolve(`${app}/main`));
}

function fixedPort(section: string, field: string, port: number): number {
  if (port === 0) throw new Error(`${section}.${field} is 0 in the config: the launcher needs fixed ports to find the services, set one`);
  return port;
}

/** The three processes of the demo, with the health URLs their config sections imply. */
export function demoServices(config: DemoConfig): DemoServices {
  const sink = appSection(config, 'smtpSink', sinkConfigSchema);
  const email = appSection(config, 'emailService', emailServiceConfigSchema);
  const web = appSection(config, 'signupWeb', webConfigSchema);
  const sinkPort = fixedPort('smtpSink', 'httpPort', sink.httpPort);
  const emailPort = fixedPort('emailService', 'http.port', email.http.port);
  const webPort = fixedPort('signupWeb', 'http.port', web.http.port);
  return {
    sink: { name: 'smtp', entry: entry('smtp-sink'), healthUrl: `http://${sink.host}:${sinkPort}/healthz` },
    email: { name: 'email', entry: entry('email-service'), healthUrl: `http://${email.http.host}:${emailPort}/healthz` },
    web: { name: 'web', entry: entry('signup-web'), healthUrl: `http://${web.http.host}:${webPort}/healthz` },
    url: `http://${web.http.host}:${webPort}`,
    sinkUrl: `http://${sink.host}:${sinkPort}`,
  };
}

/** The email service's health says its subscription reached the website. */
export function isSubscribed(body: unknown): boolean {
  return (body as { subscribed?: unknown } | null)?.subscribed === true;
}
