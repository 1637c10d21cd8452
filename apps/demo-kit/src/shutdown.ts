import type { Logger } from '@resolute/core';

export interface ShutdownOptions {
  logger: Logger;
  /** Most time the cleanup may take before the process exits anyway (code 1). Default 15 s. */
  timeoutMs?: number;
  /** Signals that start the shutdown. Default SIGINT and SIGTERM. */
  signals?: NodeJS.Signals[];
  /**
   * A further signal within this time of the first is the same request arriving twice (Ctrl-C reaches every process
   * of the terminal's group, and `npm run` or the demo launcher forwards it too): ignored. Default 1000 ms.
   */
  repeatGraceMs?: number;
}

/**
 * Runs `cleanup` once on the first SIGINT or SIGTERM, then exits 0 (1 if it failed or overran `timeoutMs`). Another
 * signal while cleaning up, more than `repeatGraceMs` after the first, exits at once with code 1: the way out when
 * something hangs. A Resolute bus closed this
 * way leaves nothing half-done: what was not acknowledged stays in its store for the next start.
 */
export function exitOnSignals(cleanup: () => Promise<void>, options: ShutdownOptions): void {
  const { logger, timeoutMs = 15_000, signals = ['SIGINT', 'SIGTERM'], repeatGraceMs = 1_000 } = options;
  let stoppingSince: number | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < repeatGraceMs) return;
      logger.warn({ signal }, 'another signal while stopping: exiting now');
      process.exit(1);
    }
    stoppingSince = Date.now();
    logger.info({ signal }, 'stopping');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'stop took too long: exiting anyway');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    cleanup().then(
      () => {
        logger.info({}, 'stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'stopped with an error');
        process.exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, onSignal);
}
