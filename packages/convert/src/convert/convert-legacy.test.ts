import { MULE_F0_PARAMETER_COUNT } from '@mule-ts/core';
import { existsSync } from 'node:fs';
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeKerasFixture, writeLegacyKerasFixture } from '@mule-ts/keras-fixture';
import { makeTempDir } from '@mule-ts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertKerasFile } from './convert-keras.js';
import type { ConvertSummary } from './convert-keras.js';

interface RawTensor {
  dtype: string;
  shape: number[];
  bytes: Buffer;
}

/** Parses a safetensors file from its bytes alone (8-byte header length, JSON header, data), not with our reader. */
async function readRawSafetensors(file: string): Promise<{ tensors: Map<string, RawTensor>; metadata: Record<string, string> }> {
  const raw = await readFile(file);
  const headerLength = Number(raw.readBigUInt64LE(0));
  const header = JSON.parse(raw.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, unknown>;
  const { __metadata__: metadata, ...entries } = header;
  const data = raw.subarray(8 + headerLength);
  const tensors = new Map<string, RawTensor>();
  for (const [name, value] of Object.entries(entries)) {
    const info = value as { dtype: string; shape: number[]; data_offsets: [number, number] };
    tensors.set(name, { dtype: info.dtype, shape: info.shape, bytes: data.subarray(info.data_offsets[0], info.data_offsets[1]) });
  }
  return { tensors, metadata: metadata as Record<string, string> };
}

/** Names of tensors that differ between two conversions (missing on either side, or other dtype, shape or bytes). */
function differingTensors(a: Map<string, RawTensor>, b: Map<string, RawTensor>): string[] {
  const names = new Set([...a.keys(), ...b.keys()]);
  return [...names].filter((name) => {
    const x = a.get(name);
    const y = b.get(name);
    return !x || !y || x.dtype !== y.dtype || JSON.stringify(x.shape) !== JSON.stringify(y.shape) || !x.bytes.equals(y.bytes);
  });
}

async function convert(keras: string, outDir: string) {
  const summary = await convertKerasFile({ keras, outDir });
  return { summary, ...(await readRawSafetensors(join(outDir, 'model.safetensors'))) };
}

describe('a legacy HDF5 file converts to the same tensors as the .keras file of the same model', () => {
  const SEED = 9;
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let v3: Awaited<ReturnType<typeof convert>>;
  let legacy: Awaited<ReturnType<typeof convert>>;
  let legacyNamedKeras: Awaited<ReturnType<typeof convert>>;

  beforeAll(async () => {
    tmp = await makeTempDir();
    const kerasFile = join(tmp.dir, 'model.keras');
    const h5File = join(tmp.dir, 'model.h5');
    await writeKerasFixture({ size: 'small', seed: SEED, out: kerasFile });
    await writeLegacyKerasFixture({ size: 'small', seed: SEED, out: h5File });
    // What Keras <= 2.12 writes for model.save("x.keras"): legacy HDF5 under a .keras name.
    const h5NamedKeras = join(tmp.dir, 'legacy-named.keras');
    await copyFile(h5File, h5NamedKeras);
    v3 = await convert(kerasFile, join(tmp.dir, 'out-v3'));
    legacy = await convert(h5File, join(tmp.dir, 'out-h5'));
    legacyNamedKeras = await convert(h5NamedKeras, join(tmp.dir, 'out-h5-named-keras'));
  });
  afterAll(async () => tmp?.cleanup());

  it('reads each file through its own container path', () => {
    expect(v3.summary.source.container).toBe('keras-v3-zip');
    expect(legacy.summary.source.container).toBe('legacy-hdf5');
    expect(legacyNamedKeras.summary.source.container).toBe('legacy-hdf5');
    // Every tensor of the legacy conversion was read from /model_weights/<layer name>/..., the .keras one from the checkpoint groups.
    const legacySources = Object.values(JSON.parse(legacy.metadata.source_paths!) as Record<string, string>);
    const v3Sources = Object.values(JSON.parse(v3.metadata.source_paths!) as Record<string, string>);
    expect(legacySources.filter((p) => !p.replace(/^\//, '').startsWith('model_weights/'))).toEqual([]);
    expect(v3Sources.filter((p) => !p.replace(/^\//, '').startsWith('_layer_checkpoint_dependencies/'))).toEqual([]);
    expect(legacy.summary.source.kerasVersion).toBe('2.13.1');
  });

  it('maps every legacy weight to the same canonical name, shape and bytes as the .keras path', () => {
    expect(legacy.tensors.size).toBe(v3.tensors.size);
    expect(legacy.tensors.size).toBe(v3.summary.tensorCount);
    expect(differingTensors(v3.tensors, legacy.tensors)).toEqual([]);
    expect(legacy.summary.parameterCount).toBe(v3.summary.parameterCount);
  });

  it('sniffs a .keras-named legacy HDF5 file by its bytes and converts it the same way', () => {
    expect(differingTensors(v3.tensors, legacyNamedKeras.tensors)).toEqual([]);
  });

  it('would notice a different model: a legacy file with another seed differs in every weighted tensor', async () => {
    const other = join(tmp.dir, 'other.h5');
    await writeLegacyKerasFixture({ size: 'small', seed: SEED + 1, out: other });
    const converted = await convert(other, join(tmp.dir, 'out-other'));
    expect(differingTensors(v3.tensors, converted.tensors).length).toBe(v3.tensors.size);
  });
});

describe('the full-size legacy HDF5 fixture', () => {
  it('converts to 62,345,742 parameters, the released MULE architecture', async () => {
    const tmp = await makeTempDir();
    let summary: ConvertSummary;
    try {
      const h5File = join(tmp.dir, 'mule-full.h5');
      const written = await writeLegacyKerasFixture({ size: 'full', seed: 1, out: h5File });
      expect(written.parameters).toBe(MULE_F0_PARAMETER_COUNT);
      summary = await convertKerasFile({ keras: h5File, outDir: join(tmp.dir, 'art') });
      console.log(
        `full legacy fixture: ${written.bytes.toLocaleString('en-US')} bytes, ${summary.tensorCount} tensors, converted in ${summary.seconds.toFixed(1)} s`,
      );
    } finally {
      await tmp.cleanup();
    }
    expect(existsSync(tmp.dir)).toBe(false);
    expect(summary.source.container).toBe('legacy-hdf5');
    expect(summary.parameterCount).toBe(MULE_F0_PARAMETER_COUNT);
    expect(summary.isReleasedMuleArchitecture).toBe(true);
  }, 600_000);
});
