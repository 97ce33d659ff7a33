import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describePythonLookup, findPython, makeTempDir, runPython } from '@mule-ts/test-utils';
import { describe, expect, it } from 'vitest';
import type { EmbedResult } from '../model/index.js';
import { indexPathFor, NpyRowsOutput } from './npy-rows-output.js';
import type { JournalOk } from './progress-journal.js';

const lookup = findPython(['numpy']);
if (!lookup.python) console.warn(`skipping the numpy check of NpyRowsOutput: ${describePythonLookup(lookup)}`);

const result = (embedding: number[] | null): EmbedResult => ({
  embedding: embedding ? Float32Array.from(embedding) : null,
  timeline: new Float32Array(0),
  sliceCount: embedding ? 1 : 0,
  embeddingDim: 3,
  centres: [],
});

const ok = (file: string, end: number): JournalOk => ({ file, status: 'ok', end, slices: 1, seconds: 1, warnings: [] });

const LOAD = 'import sys, numpy as np; a = np.load(sys.argv[1]); print(a.shape[0], a.shape[1], a.dtype, " ".join(repr(float(v)) for v in a.ravel()))';

describe.skipIf(!lookup.python)('NpyRowsOutput', () => {
  it('is a valid .npy after every row (numpy reads it), NaN rows for clips without slices, cut back on resume', async () => {
    const { dir, cleanup } = await makeTempDir('mule-npy-rows-');
    try {
      const path = join(dir, 'out.npy');
      const out = new NpyRowsOutput(path, 3);
      await out.open(false, 0, []);
      expect(await out.write({ file: 'a', result: result([1, 2, 3]), seconds: 1, warnings: [] })).toBe(1);
      expect(runPython(lookup.python!, LOAD, [path]).trim()).toBe('1 3 float32 1.0 2.0 3.0');
      // the index is kept current while rows are written, not only at the end
      expect(JSON.parse(await readFile(indexPathFor(path), 'utf8'))).toMatchObject({ shape: [1, 3], rows: [{ row: 0, file: 'a' }] });
      await out.write({ file: 'b', result: result(null), seconds: 1, warnings: ['b: shorter than it declares'] });
      await out.write({ file: 'c', result: result([0.5, -0.25, 7]), seconds: 1, warnings: [] });
      await out.close([ok('a', 1), ok('b', 2), ok('c', 3)], []);
      expect(runPython(lookup.python!, LOAD, [path]).trim()).toBe('3 3 float32 1.0 2.0 3.0 nan nan nan 0.5 -0.25 7.0');
      expect(JSON.parse(await readFile(indexPathFor(path), 'utf8'))).toMatchObject({ shape: [3, 3], rows: [{ file: 'a' }, { file: 'b', warnings: ['b: shorter than it declares'] }, { file: 'c' }] });
      expect(indexPathFor(path)).toBe(join(dir, 'out.index.json'));

      // the journal vouches for 2 rows: resume cuts the third and continues after the second
      const resumed = new NpyRowsOutput(path, 3);
      await resumed.open(true, 2, [ok('a', 1), ok('b', 2)]);
      await resumed.write({ file: 'd', result: result([9, 9, 9]), seconds: 1, warnings: [] });
      await resumed.close([ok('a', 1), ok('b', 2), ok('d', 3)], []);
      expect(runPython(lookup.python!, LOAD, [path]).trim()).toBe('3 3 float32 1.0 2.0 3.0 nan nan nan 9.0 9.0 9.0');
      expect(JSON.parse(await readFile(indexPathFor(path), 'utf8'))).toMatchObject({ rows: [{ file: 'a' }, { file: 'b' }, { file: 'd' }] });

      // a journal that does not match the rows is an error, and the index keeps what it said
      const confused = new NpyRowsOutput(path, 3);
      await confused.open(true, 3, [ok('a', 1), ok('b', 2), ok('d', 3)]);
      await confused.write({ file: 'e', result: result([1, 1, 1]), seconds: 1, warnings: [] });
      await expect(confused.close([ok('a', 1), ok('b', 2), ok('d', 3)], [])).rejects.toMatchObject({ code: 'OUTPUT_MISMATCH', message: expect.stringMatching(/the journal lists 3 embedded files, the \.npy holds 4 rows; the index was not written/) });

      await writeFile(path, new Uint8Array(10));
      await expect(new NpyRowsOutput(path, 3).open(true, 2, [ok('a', 1), ok('b', 2)])).rejects.toThrow(/progress journal says 2 rows were written but the file has only 10 bytes; start again with --overwrite/);
    } finally {
      await cleanup();
    }
  });
});
