import type { Redis } from 'ioredis';

/**
 * The message in-flight commands fail with when their socket drops (mapRedisError maps it to CONNECTION_LOST).
 */
export const IN_FLIGHT_LOST = 'Connection lost before Redis answered: the command may or may not have been applied';

interface QueuedCommand {
  command: { reject(error: Error): void };
}

/**
 * Makes commands that were sent but not answered when the socket dropped fail with IN_FLIGHT_LOST, instead of
 * waiting forever.
 *
 * Why: with `autoResendUnfulfilledCommands: false` (which RedisConnection sets, so nothing is applied twice),
 * ioredis 5 keeps such commands aside on close and, at the next 'ready', drops them without settling their promises
 * (event_handler.js, readyHandler: `prevCommandQueue = null`). A batch or a send in flight at that moment would never
 * resolve nor reject. On 'close' (emitted on the next tick, before the reconnect resets the queue) the commands still
 * in `commandQueue` are those: rejecting them settles every caller. Only after the connection had been ready, so
 * ioredis's own handshake commands (AUTH, INFO ready check) are never touched.
 */
export function failInFlightOnClose(client: Redis): void {
  let ready = false;
  client.on('ready', () => {
    ready = true;
  });
  client.on('close', () => {
    if (!ready) return;
    ready = false;
    const queue = (client as unknown as { commandQueue?: { toArray(): QueuedCommand[] } }).commandQueue;
    const lost = queue?.toArray() ?? [];
    if (lost.length === 0) return;
    const error = new Error(IN_FLIGHT_LOST);
    for (const item of lost) item.command.reject(error);
  });
}
