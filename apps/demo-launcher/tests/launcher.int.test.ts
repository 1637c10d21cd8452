// `npm run demo`'s launcher as a person runs it: one process that starts the three services from a config file,
// prints the URL, and stops them all when it gets a signal.
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@resolute/core/testing';
import type { DemoConfig } from 'demo-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { demoServices, type ServiceProcess, startService } from '../src/index.js';
import { privateDemoConfig } from './demo-env.js';

const LAUNCHER = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** Runs the built launcher on a private copy of the config; `before` runs first (to take a port, say). */
async function launch(before?: (config: DemoConfig) => Promise<void>): Promise<{ launcher: ServiceProcess; config: DemoConfig }> {
  const demo = await privateDemoConfig();
  const { config } = demo;
  cleanups.push(() => demo.remove());
  await before?.(config);
  const services = demoServices(config);
  const launcher = startService({ name: 'launcher', entry: LAUNCHER, healthUrl: services.web.healthUrl }, { env: { ...demo.env, LOG_LEVEL: 'info' } });
  cleanups.push(() => launcher.stop(5_000));
  return { launcher, config };
}

async function isListening(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
}

describe('the demo launcher', () => {
  it('starts the three services, prints the URL, and stops them all cleanly on SIGINT', async () => {
    const { launcher, config } = await launch();
    const services = demoServices(config);
    const banner = `Resolute demo is running: open ${services.url}`;
    await waitFor(() => launcher.output().some((line) => line.includes(banner)), { timeoutMs: 30_000, message: () => `the URL banner; output:\n${launcher.output().join('\n')}` });
    // Each service's lines come prefixed with its name.
    for (const prefix of ['smtp  | ', 'email | ', 'web   | ']) expect(launcher.output().some((line) => line.startsWith(prefix))).toBe(true);

    const signup = await fetch(`${services.url}/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ada', email: 'ada@example.com' }) });
    expect(signup.status).toBe(201);
    await waitFor(async () => ((await (await fetch(`${services.url}/mailbox`)).json()) as { count?: number }).count === 1, { timeoutMs: 15_000, message: 'the welcome email in the mailbox' });

    // Only the launcher gets the signal: it must pass it on.
    launcher.child.kill('SIGINT');
    const exit = await launcher.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    for (const name of ['web', 'email', 'smtp']) expect(launcher.output().join('\n')).toMatch(new RegExp(`^demo  \\| .* service stopped service=${name} code=0`, 'm'));
    for (const spec of [services.web, services.email, services.sink]) expect(await isListening(spec.healthUrl)).toBe(false);
  });

  it('stops what it started and exits 1 when a service cannot start', async () => {
    // Someone else holds the website's port.
    const { launcher, config } = await launch(async (config) => {
      const squatter: Server = createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => squatter.listen(Number(new URL(demoServices(config).url).port), '127.0.0.1', resolve));
      cleanups.push(() => new Promise<void>((resolve) => squatter.close(() => resolve())));
    });
    const services = demoServices(config);
    const exit = await launcher.exited;
    expect(exit.code).toBe(1);
    expect(launcher.output().join('\n')).toMatch(/web exited before it was ready/);
    for (const spec of [services.email, services.sink]) expect(await isListening(spec.healthUrl)).toBe(false);
  });
});
