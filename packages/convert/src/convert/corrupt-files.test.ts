/**
 * Damaged model files, made by seeded random byte changes: a legacy .h5, the HDF5 member of a .keras
 * re-zipped with valid CRC-32s (so the zip layer cannot catch the damage), the whole .keras (zip
 * structure; or truncated), and its JSON members re-zipped with valid CRC-32s. The HDF5 cases include
 * the regression of h5wasm's uncaught "name not defined" (seed 2 of the .h5 kind, seed 1009 of the
 * re-zipped kind, before the object-tree walk turned HDF5 errors into MuleErrors). Every case must
 * end in a converted model or in one MuleError naming the file: never another exception, a wasm
 * abort, a hang or output left behind. MULE_FUZZ_CASES sets the number of cases per kind.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MuleError } from '@mule-ts/core';
import { ZIP_EPOCH, writeKerasFixture, writeLegacyKerasFixture, writeStoredZip } from '@mule-ts/keras-fixture';
import { makeTempDir, mulberry32 } from '@mule-ts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZipArchive } from '../archive/zip-archive.js';
import { convertKerasFile } from './convert-keras.js';

const CASES = Number(process.env.MULE_FUZZ_CASES ?? 48);
const CASE_SECONDS = 20;

/** `count` bytes of `bytes` (a copy) set to random values, at random offsets past `from`. */
function mutate(bytes: Uint8Array, seed: number, count: number, from = 0): Uint8Array {
  const random = mulberry32(seed);
  const out = bytes.slice();
  for (let i = 0; i < count; i++) out[from + Math.floor(random() * (out.length - from))] = Math.floor(random() * 256);
  return out;
}

interface Outcome {
  seed: number;
  result: 'converted' | string;
}

describe('convert on damaged model files', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  const path = (...p: string[]): string => join(tmp.dir, ...p);

  beforeAll(async () => {
    tmp = await makeTempDir('mule-corrupt-');
    await writeLegacyKerasFixture({ size: 'small', seed: 3, out: path('base.h5') });
    await writeKerasFixture({ size: 'small', seed: 3, out: path('base.keras') });
  });
  afterAll(() => tmp?.cleanup());

  /** Converts `file`; a failure must be one MuleError naming it, leaving nothing in the output directory. */
  async function attempt(file: string, seed: number): Promise<Outcome> {
    const outDir = path(`out-${seed}`);
    const started = performance.now();
    try {
      await convertKerasFile({ keras: file, outDir, onnx: false });
      await rm(outDir, { recursive: true, force: true });
      return { seed, result: 'converted' };
    } catch (error) {
      expect(error, `seed ${seed}: ${(error as Error).stack}`).toBeInstanceOf(MuleError);
      expect((error as MuleError).message, `seed ${seed}`).toContain(file);
      expect(existsSync(outDir) ? await readdir(outDir) : [], `seed ${seed}: output left behind`).toEqual([]);
      return { seed, result: (error as MuleError).code };
    } finally {
      expect((performance.now() - started) / 1000, `seed ${seed} took too long`).toBeLessThan(CASE_SECONDS);
    }
  }

  function tally(outcomes: Outcome[]): string {
    const counts = new Map<string, number>();
    for (const o of outcomes) counts.set(o.result, (counts.get(o.result) ?? 0) + 1);
    return [...counts].map(([k, v]) => `${k} ${v}`).join(', ');
  }

  it(`a legacy .h5 with random bytes changed (${CASES} cases)`, async () => {
    const base = await readFile(path('base.h5'));
    const outcomes: Outcome[] = [];
    for (let seed = 1; seed <= CASES; seed++) {
      const file = path(`h5-${seed}.h5`);
      await writeFile(file, mutate(base, seed, 1 + (seed % 8)));
      outcomes.push(await attempt(file, seed));
      await rm(file);
    }
    console.log(`damaged legacy .h5: ${tally(outcomes)}`);
  }, CASES * CASE_SECONDS * 1000);

  it(`a .keras whose HDF5 member has random bytes changed, re-zipped with valid CRC-32s (${CASES} cases)`, async () => {
    const archive = await ZipArchive.open(path('base.keras'));
    const members = await Promise.all(archive.members.map(async (m) => [m.name, await archive.readMember(m.name, Number.POSITIVE_INFINITY)] as const));
    archive.close();
    const outcomes: Outcome[] = [];
    for (let seed = 1; seed <= CASES; seed++) {
      const file = path(`rezip-${seed}.keras`);
      const entries = members.map(([name, data]) => ({ name, date: ZIP_EPOCH, source: { kind: 'buffer' as const, data: name === 'model.weights.h5' ? mutate(data, 1000 + seed, 1 + (seed % 8)) : data } }));
      await writeStoredZip(file, entries);
      outcomes.push(await attempt(file, 1000 + seed));
      await rm(file);
    }
    console.log(`damaged HDF5 member of a re-zipped .keras: ${tally(outcomes)}`);
  }, CASES * CASE_SECONDS * 1000);

  it(`a .keras with random bytes changed anywhere (zip structure, members) or truncated (${CASES} cases)`, async () => {
    const base = await readFile(path('base.keras'));
    const outcomes: Outcome[] = [];
    for (let seed = 1; seed <= CASES; seed++) {
      const file = path(`zip-${seed}.keras`);
      const damaged = seed % 4 === 0 ? base.subarray(0, Math.floor(mulberry32(seed)() * base.length)) : mutate(base, 2000 + seed, 1 + (seed % 8));
      await writeFile(file, damaged);
      outcomes.push(await attempt(file, 2000 + seed));
      await rm(file);
    }
    console.log(`damaged .keras zip: ${tally(outcomes)}`);
  }, CASES * CASE_SECONDS * 1000);

  it(`a .keras whose config.json or metadata.json has random bytes changed, re-zipped with valid CRC-32s (${CASES} cases)`, async () => {
    const archive = await ZipArchive.open(path('base.keras'));
    const members = await Promise.all(archive.members.map(async (m) => [m.name, await archive.readMember(m.name, Number.POSITIVE_INFINITY)] as const));
    archive.close();
    const outcomes: Outcome[] = [];
    for (let seed = 1; seed <= CASES; seed++) {
      const target = seed % 2 === 0 ? 'config.json' : 'metadata.json';
      const file = path(`json-${seed}.keras`);
      const entries = members.map(([name, data]) => ({ name, date: ZIP_EPOCH, source: { kind: 'buffer' as const, data: name === target ? mutate(data, 3000 + seed, 1 + (seed % 4)) : data } }));
      await writeStoredZip(file, entries);
      outcomes.push(await attempt(file, 3000 + seed));
      await rm(file);
    }
    console.log(`damaged JSON members of a re-zipped .keras: ${tally(outcomes)}`);
  }, CASES * CASE_SECONDS * 1000);
});
