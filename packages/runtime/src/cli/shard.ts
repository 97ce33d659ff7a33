/**
 * `--shard I/N`: a stable split of a catalogue over N machines. A file belongs to shard
 * 1 + (first 4 bytes of sha256(path as given) mod N), so the shards are disjoint, their union is
 * the whole, and a file's shard depends only on its path string (not on the order or number of
 * the other files). Every machine must therefore name the files the same way (same relative paths).
 */
import { createHash } from 'node:crypto';
import { UsageError } from './usage-error.js';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) throw new UsageError(`--shard takes I/N with 1 <= I <= N (e.g. 1/4), got ${JSON.stringify(text)}`);
  return { index, count };
}

export function shardOf(path: string, count: number): number {
  const digest = createHash('sha256').update(path, 'utf8').digest();
  return 1 + (digest.readUInt32BE(0) % count);
}

export function inShard(path: string, shard: Shard | null): boolean {
  return shard === null || shardOf(path, shard.count) === shard.index;
}
