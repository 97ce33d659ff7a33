import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '@mule-ts/test-utils';
import { describe, expect, it } from 'vitest';
import { ProgressJournal } from './progress-journal.js';

describe('ProgressJournal', () => {
  it('records outcomes, survives a torn last line, and tells resume what is done', async () => {
    const { dir, cleanup } = await makeTempDir('mule-journal-');
    try {
      const path = join(dir, 'out.npy.progress.jsonl');
      const journal = await ProgressJournal.open(path, false);
      await journal.append({ file: 'a.wav', status: 'ok', end: 1, slices: 3, seconds: 7 });
      await journal.append({ file: 'b.wav', status: 'failed', error: 'b.wav: broken' });
      await journal.append({ file: 'c.wav', status: 'ok', end: 2, slices: 1, seconds: 2.5 });
      await appendFile(path, '{"file":"d.wav","stat'); // a crash mid-write

      const resumed = await ProgressJournal.open(path, true);
      expect([...resumed.doneFiles()].sort()).toEqual(['a.wav', 'c.wav']);
      expect(resumed.committedEnd()).toBe(2);
      expect(resumed.summary().failed.map((f) => f.file)).toEqual(['b.wav']);
      expect((await readFile(path, 'utf8')).endsWith('}\n')).toBe(true); // the torn tail is gone

      await resumed.append({ file: 'b.wav', status: 'ok', end: 3, slices: 2, seconds: 4 });
      const again = await ProgressJournal.open(path, true);
      expect(again.summary().failed).toEqual([]);
      expect(again.summary().ok.map((e) => e.file)).toEqual(['a.wav', 'c.wav', 'b.wav']);
      expect(() => again.checkConsistent('counting')).not.toThrow();

      // two writers' entries interleaved: the ends no longer count the rows one by one
      await again.append({ file: 'x.wav', status: 'ok', end: 2, slices: 1, seconds: 1 });
      expect(() => again.checkConsistent('counting')).toThrow(/entry 4 \(x\.wav\) ends at 2, which does not follow the entries before it/);
      expect(() => again.checkConsistent('increasing')).toThrow(/OUTPUT_MISMATCH|does not follow/);

      const fresh = await ProgressJournal.open(path, false);
      expect(fresh.entries).toEqual([]);
      expect(await readFile(path, 'utf8')).toBe('');
    } finally {
      await cleanup();
    }
  });
});
