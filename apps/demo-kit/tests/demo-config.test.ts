import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { appSection, busSection, CONFIG_FILE, findConfigFile, loadDemoConfig, profileFromEnv } from '../src/index.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'demo-kit-'));
  await mkdir(join(dir, 'a', 'b'), { recursive: true });
  await writeFile(
    join(dir, CONFIG_FILE),
    JSON.stringify({
      web: {
        name: 'web',
        transport: { type: 'zmq-peer', bind: 'tcp://127.0.0.1:1' },
        store: { type: 'level', path: './.data/web' },
        profiles: { zmq: {}, other: { store: { type: 'level', path: 'other/web' } }, abs: { store: { type: 'level', path: '/var/abs' } } },
      },
      app: { port: 'eighty' },
    }),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the demo config file', () => {
  it('is found from the working directory upwards, unless RESOLUTE_CONFIG names one', () => {
    expect(findConfigFile({}, join(dir, 'a', 'b'))).toBe(join(dir, CONFIG_FILE));
    expect(findConfigFile({ RESOLUTE_CONFIG: 'x/y.json' }, dir)).toBe(join(dir, 'x', 'y.json'));
  });

  it('says how to fix a missing file', async () => {
    await expect(loadDemoConfig(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('RESOLUTE_CONFIG') });
  });

  it('resolves every store path of a bus section (base and profiles) against the file, not the working directory', async () => {
    const config = await loadDemoConfig(join(dir, CONFIG_FILE));
    const web = busSection(config, 'web') as unknown as { store: { path: string }; profiles: Record<string, { store?: { path: string } }> };
    expect(web.store.path).toBe(join(dir, '.data', 'web'));
    expect(web.profiles.other?.store?.path).toBe(join(dir, 'other', 'web'));
    expect(web.profiles.abs?.store?.path).toBe('/var/abs');
    expect(web.profiles.zmq).toEqual({});
  });

  it('names the missing bus section and every bad field of an app section', async () => {
    const config = await loadDemoConfig(join(dir, CONFIG_FILE));
    expect(() => busSection(config, 'email')).toThrow(/bus section "email" is missing/);
    expect(() => appSection(config, 'app', z.object({ port: z.number(), host: z.string() }))).toThrow(/app\.port: .*app\.host: /);
  });

  it('takes the profile from RESOLUTE_PROFILE, empty meaning unset', () => {
    expect(profileFromEnv({ RESOLUTE_PROFILE: 'zmq' })).toBe('zmq');
    expect(profileFromEnv({ RESOLUTE_PROFILE: '' })).toBeUndefined();
    expect(profileFromEnv({})).toBeUndefined();
  });
});
