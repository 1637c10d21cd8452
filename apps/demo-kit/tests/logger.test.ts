import { describe, expect, it } from 'vitest';
import { createConsoleLogger, levelFromEnv } from '../src/index.js';

function capture(level: 'debug' | 'info' | 'warn' = 'info') {
  const lines: Array<[string, string]> = [];
  const logger = createConsoleLogger({ level, write: (line, lvl) => lines.push([lvl, line]) });
  return { logger, lines };
}

describe('createConsoleLogger', () => {
  it('prints one readable line per entry with its fields, errors by code and message', () => {
    const { logger, lines } = capture();
    const error = Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
    logger.warn({ to: 'ada@example.com', attempt: 2, err: error }, 'not sent yet');
    expect(lines).toHaveLength(1);
    expect(lines[0]![0]).toBe('warn');
    expect(lines[0]![1]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} warn {2}not sent yet to=ada@example.com attempt=2 err="ECONNREFUSED: connection refused"$/);
  });

  it('drops entries below its level and carries child bindings', () => {
    const { logger, lines } = capture('info');
    logger.debug({}, 'hidden');
    logger.child?.({ component: 'bus' }).info({ topic: 'user.signedUp' }, 'subscriber added');
    expect(lines.map(([, l]) => l.slice(13))).toEqual(['info  subscriber added component=bus topic=user.signedUp']);
  });

  it('reads LOG_LEVEL, falling back to info', () => {
    expect(levelFromEnv({ LOG_LEVEL: 'DEBUG' })).toBe('debug');
    expect(levelFromEnv({ LOG_LEVEL: 'loud' })).toBe('info');
    expect(levelFromEnv({})).toBe('info');
  });
});
