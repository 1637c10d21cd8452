/**
 * FNV-1a over the name's UTF-8 bytes: stable across processes, platforms and versions, so every process that shares
 * the same `shards` list puts a name on the same instance. Changing the list (adding an instance) moves names: drain
 * first, or keep the list.
 */
export function shardIndex(name: string, shardCount: number): number {
  if (shardCount <= 1) return 0;
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(name, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shardCount;
}
