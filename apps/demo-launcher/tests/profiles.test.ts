// The profiles the demo's tests run on are the profiles of resolute.config.json, and the apps that build the buses
// declare the package of every backend those profiles load (core loads them by name at runtime).
import { readFile } from 'node:fs/promises';
import { STORE_PACKAGES, TRANSPORT_PACKAGES } from '@resolute/core';
import { describe, expect, it } from 'vitest';
import { DEMO_PROFILES, ROOT_CONFIG } from './demo-env.js';

interface Backend {
  type: string;
}

interface BusSection {
  transport: Backend;
  store: Backend;
  profiles: Record<string, { transport?: Backend; store?: Backend }>;
}

async function busSections(): Promise<Record<'web' | 'email', BusSection>> {
  return JSON.parse(await readFile(ROOT_CONFIG, 'utf8')) as Record<'web' | 'email', BusSection>;
}

async function dependencies(app: string): Promise<string[]> {
  const manifest = JSON.parse(await readFile(new URL(`../../${app}/package.json`, import.meta.url), 'utf8')) as { dependencies?: Record<string, string> };
  return Object.keys(manifest.dependencies ?? {});
}

describe('the demo profiles', () => {
  it('are tested one by one: the e2e and disaster tests cover every profile of both bus sections', async () => {
    const config = await busSections();
    for (const section of [config.web, config.email]) expect(Object.keys(section.profiles).sort()).toEqual([...DEMO_PROFILES].sort());
  });

  it('load only backends the website and the email service declare as dependencies', async () => {
    const config = await busSections();
    for (const [app, section] of [['signup-web', config.web], ['email-service', config.email]] as const) {
      const declared = await dependencies(app);
      for (const profile of DEMO_PROFILES) {
        const chosen = section.profiles[profile]!;
        const packages = [TRANSPORT_PACKAGES[(chosen.transport ?? section.transport).type], STORE_PACKAGES[(chosen.store ?? section.store).type]];
        for (const pkg of packages) expect(declared, `${app}, profile ${profile}`).toContain(pkg);
      }
    }
  });
});
