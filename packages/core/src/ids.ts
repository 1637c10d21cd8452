import { randomView } from './random-pool.js';

/**
 * Message ids are ULIDs: 48 bits of milliseconds then 80 random bits, Crockford base32, 26 characters. They sort by
 * creation time as plain strings, so iterating a store namespace is oldest-first for the relay and the CLI.
 *
 * Within a process ids are strictly increasing even when the clock stalls or steps back: the generator keeps the last
 * id's time and increments its random part. `observeId` lets a bus seed the generator with the newest id found in its
 * store at start, so ids stay increasing across a restart on a clock that went backwards.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_LEN = 10;
const RANDOM_LEN = 16;
export const ID_LENGTH = TIME_LEN + RANDOM_LEN;
const ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

let lastTime = 0;
let lastRandom: number[] = [];
/** The text of lastTime and lastRandom, kept beside them: most ids change only the last random digit. */
let lastTimeText = '';
let lastRandomText = '';

function encodeTime(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < TIME_LEN; i++) {
    out = ALPHABET[rest % 32]! + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function freshRandom(): number[] {
  const bytes = randomView(RANDOM_LEN);
  const digits = new Array<number>(RANDOM_LEN);
  for (let i = 0; i < RANDOM_LEN; i++) digits[i] = bytes[i]! & 31;
  return digits;
}

/** The base32 text of digits[from..]. */
function digitsText(digits: readonly number[], from = 0): string {
  let out = '';
  for (let i = from; i < digits.length; i++) out += ALPHABET[digits[i]!]!;
  return out;
}

/**
 * Adds one to the base32 digits and returns the first position that changed (the ones after it became 0), or -1 on
 * the (astronomically rare) overflow, when the caller moves to the next millisecond.
 */
function increment(digits: number[]): number {
  for (let i = digits.length - 1; i >= 0; i--) {
    if (digits[i]! < 31) {
      digits[i]! += 1;
      return i;
    }
    digits[i] = 0;
  }
  return -1;
}

function setLast(time: number, digits: number[]): void {
  if (time !== lastTime || lastTimeText === '') lastTimeText = encodeTime(time);
  lastTime = time;
  lastRandom = digits;
  lastRandomText = digitsText(digits);
}

export function newId(now: number = Date.now()): string {
  if (now > lastTime) setLast(now, freshRandom());
  else {
    const changed = increment(lastRandom);
    if (changed < 0) setLast(lastTime + 1, freshRandom());
    else lastRandomText = lastRandomText.slice(0, changed) + digitsText(lastRandom, changed);
  }
  return lastTimeText + lastRandomText;
}

export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/** Milliseconds since the epoch at which the id was made. */
export function idTime(id: string): number {
  let ms = 0;
  for (let i = 0; i < TIME_LEN; i++) ms = ms * 32 + ALPHABET.indexOf(id[i]!);
  return ms;
}

/** The smallest id made at `ms`: every id made earlier sorts before it (used for retention sweeps). */
export function idFloor(ms: number): string {
  return encodeTime(ms) + '0'.repeat(RANDOM_LEN);
}

/**
 * How far ahead of this clock an observed id may be. Observing exists for a clock that stepped back between two runs,
 * which is seconds or minutes. An id further ahead than this came from a peer with a wrong clock (the inbox holds
 * peers' ids, a replay copies them to the outbox) or from damage: following it would pin every new id to that time,
 * and the largest ids would overflow into ones that sort first.
 */
export const MAX_OBSERVED_AHEAD_MS = 24 * 3_600_000;

/**
 * Moves the generator past an id seen elsewhere (the store), so the next id sorts after it. Returns false, and moves
 * nothing, for an id made more than MAX_OBSERVED_AHEAD_MS after `now`: the caller should log it.
 */
export function observeId(id: string, now: number = Date.now()): boolean {
  if (!isId(id)) return true;
  const time = idTime(id);
  if (time > now + MAX_OBSERVED_AHEAD_MS) return false;
  if (time < lastTime) return true;
  const digits = Array.from(id.slice(TIME_LEN), (c) => ALPHABET.indexOf(c));
  if (time > lastTime || compareDigits(digits, lastRandom) > 0) setLast(time, digits);
  return true;
}

function compareDigits(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
