import type { Logger } from '@resolute/core';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface ConsoleLoggerOptions {
  /** Lowest level printed. Default: the LOG_LEVEL environment variable, else 'info'. */
  level?: LogLevel;
  /** Where lines go. Default: process.stdout (warn and error to process.stderr). */
  write?: (line: string, level: Exclude<LogLevel, 'silent'>) => void;
  /** Fields printed on every line. */
  bindings?: Record<string, unknown>;
}

/** The level named by LOG_LEVEL, or 'info' when it is unset or not a level. */
export function levelFromEnv(env: Record<string, string | undefined> = process.env): LogLevel {
  const value = env.LOG_LEVEL?.toLowerCase();
  return value !== undefined && value in RANK ? (value as LogLevel) : 'info';
}

function defaultWrite(line: string, level: Exclude<LogLevel, 'silent'>): void {
  (level === 'warn' || level === 'error' ? process.stderr : process.stdout).write(`${line}\n`);
}

function formatValue(value: unknown): string {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return JSON.stringify(typeof code === 'string' ? `${code}: ${value.message}` : value.message);
  }
  if (typeof value === 'string') return /^[\w.:/@<>+-]+$/.test(value) ? value : JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * A console logger with one readable line per entry (`12:00:01.123 info  message key=value`), shaped like pino's
 * `(obj, msg)` calls so it can be handed to a Resolute bus as its `logger`. The demo's processes print through it;
 * the launcher prefixes each line with the service's name.
 */
export function createConsoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const threshold = RANK[options.level ?? levelFromEnv()];
  const write = options.write ?? defaultWrite;
  const bindings = options.bindings ?? {};
  const log =
    (level: Exclude<LogLevel, 'silent'>) =>
    (obj: object, msg?: string): void => {
      if (RANK[level] < threshold) return;
      const fields = Object.entries({ ...bindings, ...obj })
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${formatValue(v)}`)
        .join(' ');
      const time = new Date().toISOString().slice(11, 23);
      write([time, level.padEnd(5), msg ?? '', fields].filter((part) => part !== '').join(' '), level);
    };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (more) => createConsoleLogger({ ...options, bindings: { ...bindings, ...more } }),
  };
}
