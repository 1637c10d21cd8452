import { ResoluteError, type StoreOperation } from '@resolute/core';
import { checkKey, checkNamespace, encodeKey, plainKey } from './key-codec.js';
import { isReservedKey } from './layout-version.js';

/**
 * How a batch travels to store-batch-n.lua: per namespace, its operations packed as records in one argument (or a
 * few, for very large batches) instead of three or four arguments per operation (every argument costs the client a
 * protocol header and the server an object and a Lua string).
 *
 *     put:    'p' (1 byte), key length (u32 LE), key, value length (u32 LE), value
 *     delete: 'd' (1 byte), key length (u32 LE), key
 *
 * Keys are in the store's encoding (key-codec.ts). Operations on different namespaces touch different Redis keys, so
 * only their order within a namespace matters: that order is kept, and batches merge by appending each namespace's
 * records.
 */
export interface EncodedBatch {
  /** The namespaces it touches, each once, in the order of first use. */
  readonly namespaces: readonly string[];
  /** records[i]: the records of namespaces[i], in operation order, in arguments of at most RECORDS_BYTES each. */
  readonly records: ReadonlyArray<readonly Buffer[]>;
  /** Operations in it. */
  readonly size: number;
}

/**
 * One argument holds at most this many bytes of records (a single bigger record goes alone), so a batch of large
 * values stays far below Redis's proto-max-bulk-len (512 MB by default) per argument.
 */
export const RECORDS_BYTES = 64 * 1024 * 1024;

const PUT = 0x70; // 'p'
const DEL = 0x64; // 'd'

/**
 * Validates every operation before anything is sent (so a bad batch is refused whole, with INVALID_ARGUMENT) and
 * copies each value into the records: the caller may reuse its buffer as soon as batch() returns. `internal` lets the
 * store write its own meta records.
 */
export function encodeBatch(operations: readonly StoreOperation[], internal = false): EncodedBatch {
  const given: unknown = operations;
  if (!Array.isArray(given)) throw new ResoluteError('INVALID_ARGUMENT', 'batch() takes an array of operations', { retryable: false });
  const namespaces: string[] = [];
  const bytes: number[] = [];
  // Per operation: its namespace's index, and its key's byte length (a plain key, written from the string) or bytes.
  const spaces: number[] = [];
  const keys: Array<number | Buffer> = [];
  let index: Map<string, number> | undefined;
  let last: string | undefined;
  let space = -1;
  let total = 0;
  for (const op of operations) {
    // Batches run long on one namespace: it is checked once per run.
    if (op?.namespace !== last || last === undefined) checkNamespace(op?.namespace);
    checkKey(op.key);
    if (!internal && isReservedKey(op.namespace, op.key)) {
      throw new ResoluteError('INVALID_ARGUMENT', `${op.namespace}/${op.key} is the store's own bookkeeping and cannot be written`, { retryable: false });
    }
    // As many bytes as characters: ASCII, so plain (a surrogate takes 3 bytes in UTF-8); else the test decides.
    const length = Buffer.byteLength(op.key);
    const key = length === op.key.length || plainKey(op.key) ? length : encodeKey(op.key);
    if (op.type === 'put') {
      if (!(op.value instanceof Uint8Array)) {
        throw new ResoluteError('INVALID_ARGUMENT', `the value of ${op.namespace}/${op.key} must be a Uint8Array or Buffer`, { retryable: false });
      }
    } else if (op.type !== 'del') {
      throw new ResoluteError('INVALID_ARGUMENT', `unknown operation type ${JSON.stringify((op as { type: unknown }).type)}`, { retryable: false });
    }
    if (op.namespace !== last) {
      last = op.namespace;
      // A batch touches few namespaces: a Map only for one that touches many.
      space = index === undefined ? namespaces.indexOf(last) : (index.get(last) ?? -1);
      if (space < 0) {
        space = namespaces.push(last) - 1;
        if (index !== undefined) index.set(last, space);
        else if (namespaces.length > 16) index = new Map(namespaces.map((name, i) => [name, i]));
      }
    }
    const size = recordSize(op, key);
    bytes[space] = (bytes[space] ?? 0) + size;
    spaces.push(space);
    keys.push(key);
    total += size;
  }
  const count = operations.length;
  if (total > RECORDS_BYTES) {
    const writers = namespaces.map((_, i) => new RecordWriter(bytes[i]!));
    for (let i = 0; i < count; i++) writers[spaces[i]!]!.write(operations[i]!, keys[i]!);
    return { namespaces, records: writers.map((writer) => writer.done()), size: count };
  }
  // Usually: one allocation for the whole batch, each namespace's records in a slice of it.
  const slab = Buffer.allocUnsafe(total);
  if (namespaces.length === 1) {
    for (let i = 0, at = 0; i < count; i++) at = writeRecord(slab, at, operations[i]!, keys[i]!);
    return { namespaces, records: [[slab]], size: count };
  }
  const ends: number[] = [];
  let end = 0;
  for (const length of bytes) ends.push((end += length));
  const cursors = ends.map((at, i) => at - bytes[i]!);
  for (let i = 0; i < count; i++) {
    const j = spaces[i]!;
    cursors[j] = writeRecord(slab, cursors[j]!, operations[i]!, keys[i]!);
  }
  return { namespaces, records: ends.map((at, i) => [slab.subarray(at - bytes[i]!, at)]), size: count };
}

/** The bytes of one record: 5 + key + (4 + value for a put). */
function recordSize(op: StoreOperation, key: number | Buffer): number {
  return 5 + (typeof key === 'number' ? key : key.length) + (op.type === 'put' ? 4 + op.value.length : 0);
}

/** Writes op's record at `at` in `out` (which has room for it); returns where the next one goes. */
function writeRecord(out: Buffer, at: number, op: StoreOperation, key: number | Buffer): number {
  const keyLength = typeof key === 'number' ? key : key.length;
  out[at] = op.type === 'put' ? PUT : DEL;
  out.writeUInt32LE(keyLength, at + 1);
  at += 5;
  if (typeof key === 'number') out.write(op.key, at, keyLength, 'utf8');
  else out.set(key, at);
  at += keyLength;
  if (op.type === 'put') {
    out.writeUInt32LE(op.value.length, at);
    out.set(op.value, at + 4);
    at += 4 + op.value.length;
  }
  return at;
}

/** Writes one namespace's records of a very large batch into arguments of at most RECORDS_BYTES. */
class RecordWriter {
  private readonly parts: Buffer[] = [];
  private out = Buffer.alloc(0);
  private at = 0;

  /** `left`: the bytes of records still to be written. */
  constructor(private left: number) {}

  write(op: StoreOperation, key: number | Buffer): void {
    const size = recordSize(op, key);
    if (this.at + size > this.out.length) {
      // This record does not fit what is left: close the argument and start one that holds it.
      if (this.at > 0) this.parts.push(this.out.subarray(0, this.at));
      this.out = Buffer.allocUnsafe(Math.max(size, Math.min(this.left, RECORDS_BYTES)));
      this.at = 0;
    }
    this.at = writeRecord(this.out, this.at, op, key);
    this.left -= size;
  }

  done(): Buffer[] {
    if (this.at > 0) this.parts.push(this.out.subarray(0, this.at));
    return this.parts;
  }
}

/** One batch doing what `batches` do, in order: per namespace, their records one after another. */
export function mergeBatches(batches: readonly EncodedBatch[]): EncodedBatch {
  const namespaces: string[] = [];
  const records: Buffer[][] = [];
  const index = new Map<string, number>();
  let size = 0;
  for (const batch of batches) {
    batch.namespaces.forEach((namespace, i) => {
      let at = index.get(namespace);
      if (at === undefined) {
        at = namespaces.push(namespace) - 1;
        index.set(namespace, at);
        records.push([]);
      }
      records[at]!.push(...batch.records[i]!);
    });
    size += batch.size;
  }
  // Many small batches: one argument per namespace (copying small buffers costs less than an argument each).
  return { namespaces, records: records.map(join), size };
}

function join(parts: Buffer[]): Buffer[] {
  if (parts.length < 2) return parts;
  let bytes = 0;
  for (const part of parts) bytes += part.length;
  return bytes <= RECORDS_BYTES ? [Buffer.concat(parts, bytes)] : parts;
}
