/**
 * `--shard I/N`: a stable split of a catalogue over N machines. A file belongs to shard
 * 1 + (first 4 bytes of sha256(path as given) mod N), so the shards are disjoint, their union is
 * the whole, and a file's shard depends only on its path string (not on the order or number of
 * the other files). Every machine must therefore name the files the same way (same relative paths).
 */
import { createHash } from 'node:crypto';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export function shardOf(path: string, count: number): number {
  const digest = createHash('sha256').update(path, 'utf8').digest();
  return 1 + (digest.readUInt32BE(0) % count);
}

export function inShard(path: string, shard: Shard | null): boolean {
  return shard === null || shardOf(path, shard.count) === shard.index;
}
