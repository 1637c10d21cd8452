import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** A unique id for one attacher, consumer or channel party: host, pid and random bits (readable in redis-cli). */
export function instanceId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(6).toString('hex')}`;
}
