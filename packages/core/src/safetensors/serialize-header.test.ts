import { describe, expect, it } from 'vitest';
import { MuleError } from '../errors/mule-error.js';
import { parseSafetensorsHeader } from './parse-header.js';
import { serializeSafetensorsHeader } from './serialize-header.js';
import { planSafetensorsLayout, type SafetensorsTensorInfo } from './tensor-layout.js';

const decodeHeader = (bytes: Uint8Array): { n: bigint; json: string } => ({
  n: Buffer.from(bytes).readBigUInt64LE(0),
  json: Buffer.from(bytes.subarray(8)).toString('utf8'),
});

describe('serializeSafetensorsHeader', () => {
  it('writes compact JSON, metadata first, tensors in the given order, space-padded to 8', () => {
    const tensors: SafetensorsTensorInfo[] = [
      { name: 'w', dtype: 'F32', shape: [2, 3], dataOffsets: [0, 24] },
      { name: 'g', dtype: 'F32', shape: [], dataOffsets: [24, 28] },
    ];
    const bytes = serializeSafetensorsHeader(tensors, { format: 'pt' });
    const expectedJson =
      '{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"g":{"dtype":"F32","shape":[],"data_offsets":[24,28]}}';
    expect(expectedJson.length).toBe(142);
    expect(decodeHeader(bytes)).toEqual({ n: 144n, json: `${expectedJson}  ` });
    expect(bytes.length).toBe(152);
  });

  it('omits empty metadata; an empty header is {} and six spaces', () => {
    expect(decodeHeader(serializeSafetensorsHeader([]))).toEqual({ n: 8n, json: '{}      ' });
    expect(decodeHeader(serializeSafetensorsHeader([], {}))).toEqual({ n: 8n, json: '{}      ' });
  });

  it('pads every length to a multiple of 8 and round-trips byte for byte through the parser', () => {
    for (let length = 1; length <= 24; length++) {
      const name = 'ü"\\'.repeat(length).slice(0, length);
      const layout = planSafetensorsLayout([
        { name, dtype: 'F32', shape: [length] },
        { name: `${length}`, dtype: 'F32', shape: [0] },
      ]);
      const bytes = serializeSafetensorsHeader(layout, { note: name, '': '' });
      expect(bytes.length % 8).toBe(0);
      const { n, json } = decodeHeader(bytes);
      expect(Number(n)).toBe(bytes.length - 8);
      expect(JSON.parse(json)[name].data_offsets).toEqual([0, 4 * length]);
      expect(json.trimEnd().length).toBeGreaterThan(json.length - 8);
      expect(/^ *$/.test(json.slice(json.trimEnd().length))).toBe(true);
      const parsed = parseSafetensorsHeader(bytes);
      expect(serializeSafetensorsHeader(parsed.tensors, parsed.metadata)).toEqual(bytes);
    }
  });

  it('refuses to serialise an invalid layout or a non-string metadata value', () => {
    const hole: SafetensorsTensorInfo[] = [{ name: 'a', dtype: 'F32', shape: [1], dataOffsets: [4, 8] }];
    expect(() => serializeSafetensorsHeader(hole)).toThrow(MuleError);
    expect(() => serializeSafetensorsHeader([], { k: 1 as unknown as string })).toThrow(/metadata k must be a string/);
    expect(() => planSafetensorsLayout([{ name: '__metadata__', dtype: 'F32', shape: [] }])).toThrow(/reserved/);
    expect(() => planSafetensorsLayout([{ name: 'x', dtype: 'F32', shape: [1.5] }])).toThrow(/invalid dimension 1.5/);
    expect(() =>
      planSafetensorsLayout([
        { name: 'x', dtype: 'F32', shape: [] },
        { name: 'x', dtype: 'F32', shape: [] },
      ]),
    ).toThrow(/tensor x appears twice/);
  });
});
