import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '@mule-ts/test-utils';
import { describe, expect, it } from 'vitest';
import { collectInputs } from './collect-inputs.js';
import { readInputList } from './input-list.js';
import { shardOf } from './shard.js';

describe('readInputList', () => {
  it('reads one path per line (CRLF too), skipping blank lines and # comments, paths as written', async () => {
    const tmp = await makeTempDir('mule-inputs-');
    try {
      const list = join(tmp.dir, 'list.txt');
      await writeFile(list, '# the catalogue\r\na/one.mp3\r\n\r\n  b/two with spaces.wav\r\n/abs/three.flac\n');
      const files = await readInputList(list);
      expect(files).toEqual(['a/one.mp3', '  b/two with spaces.wav', '/abs/three.flac']);
      // listed files come after the command line's, once each, not stat'ed (they do not exist here)
      expect(await collectInputs(['x.wav', 'a/one.mp3'], ['wav'], files)).toEqual(['x.wav', 'a/one.mp3', '  b/two with spaces.wav', '/abs/three.flac']);
      await expect(readInputList(join(tmp.dir, 'missing.txt'))).rejects.toThrow(/--inputs .*missing\.txt: no such file/);
      await writeFile(join(tmp.dir, 'binary'), Uint8Array.of(0x61, 0, 0x62));
      await expect(readInputList(join(tmp.dir, 'binary'))).rejects.toThrow(/not a text file/);
    } finally {
      await tmp.cleanup();
    }
  });

  it("keeps each file's shard when the list is reordered or grows (a hash of the path)", () => {
    const files = Array.from({ length: 200 }, (_, i) => `music/${i}.mp3`);
    const before = new Map(files.map((f) => [f, shardOf(f, 7)]));
    const grown = [...files.slice().reverse(), ...Array.from({ length: 50 }, (_, i) => `music/new-${i}.mp3`)];
    for (const f of files) expect(shardOf(f, 7)).toBe(before.get(f));
    expect(new Set(grown.map((f) => shardOf(f, 7))).size).toBe(7);
  });
});
