import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '@mule-ts/test-utils';
import { describe, expect, it } from 'vitest';
import { collectInputs, mirroredName } from './collect-inputs.js';

describe('collectInputs', () => {
  it('keeps argument order, walks directories recursively in sorted order by extension, lists each file once', async () => {
    const { dir, cleanup } = await makeTempDir('mule-inputs-');
    try {
      await mkdir(join(dir, 'lib', 'b'), { recursive: true });
      await mkdir(join(dir, 'lib', 'a'), { recursive: true });
      for (const f of ['lib/b/2.MP3', 'lib/a/1.flac', 'lib/a/notes.txt', 'lib/z.wav', 'one.ogg']) await writeFile(join(dir, f), '');
      const files = await collectInputs([join(dir, 'one.ogg'), join(dir, 'lib'), join(dir, 'missing.wav'), join(dir, 'lib', 'z.wav')], ['wav', 'mp3', 'flac']);
      expect(files).toEqual([join(dir, 'one.ogg'), join(dir, 'lib/a/1.flac'), join(dir, 'lib/b/2.MP3'), join(dir, 'lib/z.wav'), join(dir, 'missing.wav')]);
    } finally {
      await cleanup();
    }
  });

  it('mirrors input paths under an output directory without escaping it', () => {
    expect(mirroredName('/abs/x/y.wav')).toBe('abs/x/y.wav');
    expect(mirroredName('../up/./y.wav')).toBe('__/up/y.wav');
  });
});
