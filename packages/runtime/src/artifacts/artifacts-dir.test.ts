import { MuleError, serializeManifest, type ArtifactManifest } from '@mule-ts/core';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '@mule-ts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest, verifyManifest } from './artifacts-dir.js';
import { digestFile, sha256File } from './file-digest.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await makeTempDir()));
afterAll(() => cleanup());

const cryptoSha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Deterministic bytes (xorshift32), so a failure reproduces. */
function seededBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}

async function caught(promise: Promise<unknown>): Promise<MuleError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(MuleError);
    return e as MuleError;
  }
  throw new Error('expected a MuleError');
}

describe('sha256File', () => {
  it('equals crypto on the whole buffer, across chunk boundaries and for an empty file', async () => {
    for (const length of [0, 1, (4 << 20) - 1, 4 << 20, (9 << 20) + 123]) {
      const bytes = seededBytes(length, length + 7);
      const file = join(dir, `hash-${length}.bin`);
      await writeFile(file, bytes);
      expect(await sha256File(file)).toBe(cryptoSha256(bytes));
      expect(await digestFile(file)).toEqual({ sha256: cryptoSha256(bytes), bytes: length });
    }
    expect(await sha256File(join(dir, 'hash-0.bin'))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('manifest', () => {
  async function artifactsDir(name: string): Promise<{ root: string; model: Uint8Array; config: Uint8Array }> {
    const root = join(dir, name);
    await mkdir(root);
    const model = seededBytes(100_003, 1);
    const config = new TextEncoder().encode('{"sampleRate":16000}\n');
    await writeFile(join(root, 'model.safetensors'), model);
    await writeFile(join(root, 'config.json'), config);
    const manifest = {
      format: 'mule-ts-artifacts',
      formatVersion: 2,
      converter: { name: '@mule-ts/convert', version: '0.1.0' },
      source: { file: 'model.keras', sha256: 'ab'.repeat(32), bytes: 250_000_000, kerasVersion: '2.13.1' },
      createdAt: '2025-01-02T03:04:05.000Z',
      files: {
        'model.safetensors': { sha256: cryptoSha256(model), bytes: model.length },
        'config.json': { sha256: cryptoSha256(config), bytes: config.length },
      },
    };
    await writeFile(join(root, 'manifest.json'), JSON.stringify(manifest));
    return { root, model, config };
  }

  it('verifies every listed file and reads back what serializeManifest writes', async () => {
    const { root } = await artifactsDir('good');
    const result = await verifyManifest(root);
    expect(result.verified.map((v) => v.name)).toEqual(['model.safetensors', 'config.json']);
    const manifest = await readManifest(root);
    expect(manifest.verification).toEqual([]);
    await writeFile(join(root, 'manifest.json'), serializeManifest(manifest));
    expect(await readManifest(root)).toEqual(manifest);
  });

  it('catches a flipped byte, naming the file, the expected and the found sha256', async () => {
    const { root, model } = await artifactsDir('flipped');
    const changed = model.slice();
    changed[54_321] = (changed[54_321] as number) ^ 0x01;
    await writeFile(join(root, 'model.safetensors'), changed);
    const error = await caught(verifyManifest(root));
    const file = join(root, 'model.safetensors');
    expect(error.code).toBe('CHECKSUM_MISMATCH');
    expect(error.details).toMatchObject({ file, expected: cryptoSha256(model), found: cryptoSha256(changed) });
    expect(error.message).toBe(`${file}: sha256 ${cryptoSha256(changed)}, the manifest expects ${cryptoSha256(model)}`);
    // only the files asked for are checked
    expect((await verifyManifest(root, { files: ['config.json'] })).verified.map((v) => v.name)).toEqual(['config.json']);
  });

  it('catches a changed size and a missing file', async () => {
    const { root, config } = await artifactsDir('resized');
    await writeFile(join(root, 'config.json'), Buffer.concat([config, Buffer.from(' ')]));
    expect(await caught(verifyManifest(root, { files: ['config.json'] }))).toMatchObject({
      code: 'CHECKSUM_MISMATCH',
      details: { expected: config.length, found: config.length + 1 },
    });
    const { root: other } = await artifactsDir('missing');
    await writeFile(join(other, 'manifest.json'), (await readFile(join(other, 'manifest.json'), 'utf8')).replace('config.json', 'gone.json'));
    expect(await caught(verifyManifest(other))).toMatchObject({ code: 'MISSING_MEMBER', details: { file: join(other, 'gone.json') } });
    expect(await caught(verifyManifest(other, { files: ['nope.bin'] }))).toMatchObject({ code: 'MISSING_MEMBER', message: expect.stringMatching(/lists no file nope\.bin/) });
  });

  it('rejects malformed manifests, naming the manifest and the field', async () => {
    const { root } = await artifactsDir('malformed');
    const file = join(root, 'manifest.json');
    const good = JSON.parse(await readFile(file, 'utf8')) as ArtifactManifest;
    const cases: Array<[unknown, string, RegExp]> = [
      [{ ...good, formatVersion: 3 }, 'UNSUPPORTED', /formatVersion 3 is not supported/],
      [{ ...good, formatVersion: 1 }, 'UNSUPPORTED', /formatVersion 1 is not supported/],
      [{ ...good, verification: [{ id: 'x' }] }, 'MALFORMED_JSON', /verification\[0\]\.tool must be an object/],
      [{ ...good, verification: {} }, 'MALFORMED_JSON', /verification must be an array/],
      [{ ...good, format: 'other' }, 'MALFORMED_JSON', /format must be "mule-ts-artifacts"/],
      [{ ...good, source: { ...good.source, sha256: 'AB'.repeat(32) } }, 'MALFORMED_JSON', /source\.sha256 must be 64 lower-case hex digits/],
      [{ ...good, files: { '../model.safetensors': good.files['config.json'] } }, 'MALFORMED_JSON', /a plain file name/],
      [{ ...good, files: { 'config.json': { sha256: 'ab'.repeat(32), bytes: -1 } } }, 'MALFORMED_JSON', /files\.config\.json\.bytes must be an integer >= 0/],
      [{ ...good, createdAt: 'yesterday' }, 'MALFORMED_JSON', /createdAt must be an ISO 8601 date/],
      [{ ...good, converter: undefined }, 'MALFORMED_JSON', /converter must be an object/],
      [{ ...good, source: { ...good.source, kerasVersion: 2.13 } }, 'MALFORMED_JSON', /source\.kerasVersion must be a non-empty string/],
    ];
    for (const [value, code, message] of cases) {
      await writeFile(file, JSON.stringify(value));
      const error = await caught(readManifest(root));
      expect({ code: error.code, message: error.message }).toMatchObject({ code, message: expect.stringMatching(message) });
      expect(error.message.startsWith(`${file}: `)).toBe(true);
    }
    await writeFile(file, JSON.stringify({ ...good, formatVersion: 1 }));
    expect((await caught(readManifest(root))).details.hint).toMatch(/converted by an older mule-ts: convert the Keras file again/);
    await writeFile(file, JSON.stringify({ ...good, source: { ...good.source, kerasVersion: null } }));
    expect((await readManifest(root)).source.kerasVersion).toBeNull();
    await writeFile(file, '{"format":');
    expect(await caught(readManifest(root))).toMatchObject({ code: 'MALFORMED_JSON' });
    expect(await caught(readManifest(join(dir, 'no-such-dir')))).toMatchObject({ code: 'MISSING_MEMBER' });
  });
});
