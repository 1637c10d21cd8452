import { randomBytes } from 'node:crypto';

/*
 * 9/TSP, the Titanic Service Protocol (https://rfc.zeromq.org/spec/9/). Three ordinary MDP services; every reply
 * starts with a status frame ("200", or three digits, a space and text a client must not rely on):
 *
 *   titanic.request  [service, body...]  ->  ["200", uuid]                a stored request
 *   titanic.reply    [uuid]              ->  ["200", reply...]            the target service's FINAL reply
 *                                            ["300"]                      pending: ask again later
 *                                            ["400"]                      unknown (or closed) uuid: do not ask again
 *   titanic.close    [uuid]              ->  ["200"]                      deleted, or was never known (idempotent)
 *   any of them                          ->  ["500 ..."]                  the store failed: try again later
 */
export const TITANIC_SERVICES = { request: 'titanic.request', reply: 'titanic.reply', close: 'titanic.close' } as const;

export const TSP_STATUS = { ok: '200', pending: '300', unknown: '400', error: '500' } as const;
export type TspStatus = (typeof TSP_STATUS)[keyof typeof TSP_STATUS];

/** 32 hexadecimal characters, as 9/TSP spells a UUID. */
export const TITANIC_ID_PATTERN = /^[0-9a-fA-F]{32}$/;

export const isTitanicService = (service: string): boolean => service.startsWith('titanic.');

/**
 * A UUIDv7 written as 32 lowercase hex digits: 48 bits of milliseconds, then random bits (with the version and variant
 * bits). Ids sort by creation time, so the store hands pending requests back oldest first.
 */
export function newTitanicId(now = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | ((bytes[6] as number) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  return bytes.toString('hex');
}

/** The store key of a UUID from a client (hex digits in either case), or undefined when it is not one. */
export function titanicKey(frame: Buffer | undefined): string | undefined {
  const text = frame?.toString('latin1');
  return text !== undefined && TITANIC_ID_PATTERN.test(text) ? text.toLowerCase() : undefined;
}

/** A status frame; `text` is for people reading logs and captures (9/TSP: clients ignore it). */
export function statusFrame(status: TspStatus, text?: string): Buffer {
  return Buffer.from(text === undefined ? status : `${status} ${text}`);
}

/** The three-digit status of a TSP reply, or undefined when the first frame does not start with one. */
export function parseStatus(body: readonly Buffer[]): string | undefined {
  const match = /^(\d{3})(?: |$)/.exec(body[0]?.toString('latin1') ?? '');
  return match?.[1];
}
