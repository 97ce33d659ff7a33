import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inShard, shardOf } from './shard.js';

describe('--shard', () => {
  const files = Array.from({ length: 500 }, (_, i) => `catalogue/artist-${i % 37}/track-${i}.mp3`);

  it('splits a catalogue into disjoint shards whose union is the whole, roughly evenly', () => {
    for (const count of [2, 3, 7]) {
      const shards = Array.from({ length: count }, (_, i) => files.filter((f) => inShard(f, { index: i + 1, count })));
      expect(shards.flat().sort()).toEqual([...files].sort());
      for (const s of shards) expect(s.length).toBeGreaterThan((files.length / count) * 0.7);
    }
  });

  it('depends only on the path: the first 4 bytes of its sha256, big-endian, mod N, plus 1', () => {
    const path = 'catalogue/artist-1/track-1.mp3';
    const word = createHash('sha256').update(path).digest().readUInt32BE(0);
    expect(shardOf(path, 5)).toBe((word % 5) + 1);
    expect(inShard(path, null)).toBe(true);
  });
});
