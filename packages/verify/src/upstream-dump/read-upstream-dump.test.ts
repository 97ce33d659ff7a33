// readUpstreamDump on small dumps written here: both layouts, and every way a dump can be unusable
// (each refused with an error naming the file and what to do, before anything is compared).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeNpy, type NDArray } from '@mule-ts/core';
import { makeTempDir } from '@mule-ts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readUpstreamDump, UpstreamDumpError } from './read-upstream-dump.js';

const K = 2;
const D = 5;
const f32 = (shape: number[], fill = (i: number) => i / 7): NDArray => {
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: n }, (_, i) => fill(i)), shape };
};
const ARRAYS: Record<string, NDArray> = {
  decoded_44k: f32([2, 441]),
  waveform: f32([160]),
  mel: f32([96, 11]),
  slices: f32([K, 96, 3, 1]),
  embeddings: f32([K, D]),
  timeline: f32([D, K]),
  clip_embedding: f32([D]),
};

type Edit = (dir: string, manifest: Record<string, unknown>) => Promise<void> | void;

describe('readUpstreamDump', () => {
  let tmp: Awaited<ReturnType<typeof makeTempDir>>;
  let n = 0;
  beforeAll(async () => {
    tmp = await makeTempDir('mule-read-dump-');
  });
  afterAll(() => tmp?.cleanup());

  /** A dump in upstream_dump.py's layout, changed by `edit` before its manifest is written. */
  async function writeDump(edit: Edit = () => undefined, arrays = ARRAYS): Promise<string> {
    const dir = join(tmp.dir, `dump-${n++}`);
    await mkdir(dir);
    for (const [name, array] of Object.entries(arrays)) await writeFile(join(dir, `${name}.npy`), encodeNpy(array));
    await writeFile(join(dir, 'song.wav'), 'RIFF');
    const manifest: Record<string, unknown> = {
      tool: 'mule_upstream_dump',
      version: '0.1.0',
      ok: true,
      libraries: { mule: '1.1.2', librosa: '0.9.2', tensorflow: null },
      audio: { file: 'song.wav', sha256: 'a'.repeat(64) },
      model: { path: '/m/model.keras', sha256: 'b'.repeat(64) },
      arrays: Object.entries(arrays).map(([name, a]) => ({ name, file: `${name}.npy`, shape: a.shape, dtype: 'float32' })),
    };
    await edit(dir, manifest);
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    return dir;
  }

  it("reads upstream_dump.py's layout: arrays, audio, model, versions; slices without their channel axis", async () => {
    const dir = await writeDump();
    const dump = await readUpstreamDump(dir);
    expect(dump.layout).toBe('manifest');
    expect(dump.arrays.slices?.shape).toEqual([K, 96, 3]);
    expect(dump.audio).toEqual({ name: 'song.wav', path: join(dir, 'song.wav'), sha256: 'a'.repeat(64) });
    expect(dump.model).toEqual({ path: '/m/model.keras', sha256: 'b'.repeat(64) });
    expect(dump.versions).toEqual({ mule_upstream_dump: '0.1.0', mule: '1.1.2', librosa: '0.9.2', tensorflow: null });
    expect(dump.description).toMatch(/mule 1\.1\.2, librosa 0\.9\.2/);
  });

  it("reads the goldens' layout (info.json: shapes by file, centres)", async () => {
    const dir = join(tmp.dir, 'info-layout');
    await mkdir(dir);
    for (const name of ['waveform', 'mel']) await writeFile(join(dir, `${name}.npy`), encodeNpy(ARRAYS[name]!));
    await writeFile(join(dir, 'info.json'), JSON.stringify({ audio: 'x.wav', audio_sha256: 'c'.repeat(64), slice_centres_clamped: [], shapes: { 'waveform.npy': [[160], 'float32'], 'mel.npy': [[96, 11], 'float32'] } }));
    const dump = await readUpstreamDump(dir);
    expect(dump.layout).toBe('info');
    expect(Object.keys(dump.arrays)).toEqual(['waveform', 'mel']);
    expect(dump.audio).toEqual({ name: 'x.wav', path: null, sha256: 'c'.repeat(64) });
    expect(dump.centres).toEqual([]);
  });

  const refusals: Array<[string, Edit | 'not-a-dir' | 'empty', RegExp]> = [
    ['no such directory', 'not-a-dir', /no such directory/],
    ['neither manifest.json nor info.json', 'empty', /holds neither manifest\.json nor info\.json: not an upstream dump/],
    ['a failed dump', (_d, m) => void Object.assign(m, { ok: false, error: 'ffmpeg failed' }), /the dump failed \(ffmpeg failed\)/],
    ['a listed file that is missing', (_d, m) => void ((m.arrays as Array<{ file: string }>)[1]!.file = 'gone.npy'), /gone\.npy: listed in manifest\.json but missing/],
    ['a file outside the dump', (_d, m) => void ((m.arrays as Array<{ file: string }>)[1]!.file = '../waveform.npy'), /is not a plain file name/],
    ['a shape the file does not have', (_d, m) => void ((m.arrays as Array<{ shape: number[] }>)[2]!.shape = [96, 12]), /mel\.npy: shape \[96, 11\] differs from \[96, 12\] in manifest\.json/],
    ['a damaged .npy', (d) => writeFile(join(d, 'mel.npy'), 'not an npy'), /mel\.npy/],
    ['integer samples', (d, m) => {
      (m.arrays as Array<{ name: string; shape: number[] }>)[1]!.shape = [3];
      return writeFile(join(d, 'waveform.npy'), encodeNpy({ data: Int32Array.of(1, 2, 3), shape: [3] }));
    }, /waveform\.npy: want float32 or float64 values/],
    ['embeddings for another slice count', (d, m) => {
      (m.arrays as Array<{ name: string; shape: number[] }>)[4]!.shape = [K + 1, D];
      return writeFile(join(d, 'embeddings.npy'), encodeNpy(f32([K + 1, D])));
    }, /embeddings\.npy has 3 rows for 2 slices/],
    ['a clip embedding of another width', (d, m) => {
      (m.arrays as Array<{ name: string; shape: number[] }>)[6]!.shape = [D + 1];
      return writeFile(join(d, 'clip_embedding.npy'), encodeNpy(f32([D + 1])));
    }, /clip_embedding\.npy is 6-dimensional, the embeddings 5/],
    ['a non-finite value', (d) => writeFile(join(d, 'timeline.npy'), encodeNpy(f32([D, K], (i) => (i === 3 ? Number.NaN : i)))), /timeline\.npy holds a non-finite value at flat index 3/],
  ];

  it.each(refusals)('refuses %s, naming the file and what to do', async (_label, edit, message) => {
    let dir: string;
    if (edit === 'not-a-dir') dir = join(tmp.dir, 'no-such-dump');
    else if (edit === 'empty') {
      dir = join(tmp.dir, `empty-${n++}`);
      await mkdir(dir);
    } else dir = await writeDump(edit);
    const error = await readUpstreamDump(dir).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UpstreamDumpError);
    expect((error as UpstreamDumpError).message).toMatch(message);
    expect((error as UpstreamDumpError).hint.length).toBeGreaterThan(10);
  });
});
