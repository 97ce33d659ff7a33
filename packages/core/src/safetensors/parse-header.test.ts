import { describe, expect, it } from 'vitest';
import { MuleError, type MuleErrorCode } from '../errors/mule-error.js';
import { parseSafetensorsHeader } from './parse-header.js';
import { readSafetensorsBytes } from './safetensors-bytes.js';

const readHeader = (bytes: Uint8Array, source: string) => readSafetensorsBytes(bytes, source).header;

/** A safetensors file assembled by hand: u64le length, the JSON text as given, the data. */
function rawFile(json: string, dataBytes: number, lengthOverride?: bigint): Buffer {
  const header = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(lengthOverride ?? BigInt(header.length));
  return Buffer.concat([prefix, header, Buffer.alloc(dataBytes, 0xab)]);
}

const f32 = (shape: number[], begin: number, end: number): string =>
  `{"dtype":"F32","shape":${JSON.stringify(shape)},"data_offsets":[${begin},${end}]}`;

function expectFileError(name: string, bytes: Buffer, code: MuleErrorCode, message: RegExp, tensor?: string): void {
  const file = `/models/${name}.safetensors`;
  let caught: unknown;
  try {
    readHeader(bytes, file);
  } catch (e) {
    caught = e;
  }
  expect(caught, name).toBeInstanceOf(MuleError);
  const error = caught as MuleError;
  expect({ code: error.code, message: error.message }).toMatchObject({ code, message: expect.stringMatching(message) });
  expect(error.message).toContain(file);
  expect(error.details.file).toBe(file);
  if (tensor !== undefined) {
    expect(error.message).toContain(tensor);
    expect(error.details.tensor).toBe(tensor);
  }
}

describe('the safetensors header of hand-made bytes', () => {
  it('accepts a valid file: offsets, metadata, padding spaces, JSON whitespace another writer may use', () => {
    const json = `{"a": ${f32([2, 2], 0, 16)}, "__metadata__": {"format": "pt"}, "b": ${f32([], 16, 20)}, "c": ${f32([0, 5], 20, 20)}}   `;
    const header = readHeader(rawFile(json, 20), 'valid.safetensors');
    expect(header.tensors.map((t) => [t.name, t.dtype, t.shape, t.dataOffsets])).toEqual([
      ['a', 'F32', [2, 2], [0, 16]],
      ['b', 'F32', [], [16, 20]],
      ['c', 'F32', [0, 5], [20, 20]],
    ]);
    expect(header.metadata).toEqual({ format: 'pt' });
    expect(header.headerBytes).toBe(8 + Buffer.byteLength(json));
    expect(header.dataBytes).toBe(20);
  });

  it('keeps header order, including names JavaScript objects would reorder', () => {
    const json = `{"z":${f32([1], 0, 4)},"10":${f32([1], 4, 8)},"2":${f32([1], 8, 12)}}`;
    const header = parseSafetensorsHeader(rawFile(json, 12), { fileBytes: rawFile(json, 12).length });
    expect(header.tensors.map((t) => t.name)).toEqual(['z', '10', '2']);
  });

  it('accepts a file with no tensors', () => {
    expect(readHeader(rawFile('{}      ', 0), 'empty.safetensors')).toMatchObject({ tensors: [], metadata: {}, dataBytes: 0, headerBytes: 16 });
  });

  it('rejects overlapping offsets, naming both tensors', () => {
    expectFileError('overlap', rawFile(`{"a":${f32([4], 0, 16)},"b":${f32([4], 8, 24)}}`, 24), 'MALFORMED_JSON', /b \[8, 24\] overlaps tensor a/, 'b');
  });

  it('rejects a hole between tensors and at the end of the buffer', () => {
    expectFileError('hole', rawFile(`{"a":${f32([4], 0, 16)},"b":${f32([4], 20, 36)}}`, 36), 'MALFORMED_JSON', /hole .*\[16, 20\)/, 'b');
    expectFileError('hole-start', rawFile(`{"a":${f32([4], 4, 20)}}`, 20), 'MALFORMED_JSON', /hole .*\[0, 4\)/, 'a');
    expectFileError('trailing', rawFile(`{"a":${f32([4], 0, 16)}}`, 20), 'MALFORMED_JSON', /hole .*\[16, 20\)/);
  });

  it('rejects a byte length that does not match dtype x shape', () => {
    expectFileError('length', rawFile(`{"a":${f32([3], 0, 16)}}`, 16), 'WRONG_SHAPE', /needs 12 bytes .* span 16/, 'a');
    expectFileError('empty-with-bytes', rawFile(`{"e":${f32([2, 0], 0, 4)}}`, 4), 'WRONG_SHAPE', /needs 0 bytes/, 'e');
  });

  it('rejects an unknown dtype', () => {
    expectFileError('dtype', rawFile(`{"a":{"dtype":"F31","shape":[1],"data_offsets":[0,4]}}`, 4), 'WRONG_DTYPE', /unknown dtype "F31"/, 'a');
  });

  it("rejects a header that does not start with '{'", () => {
    expectFileError('brace', rawFile(` {"a":${f32([1], 0, 4)}}`, 4), 'MALFORMED_JSON', /must start with '\{'/);
    expectFileError('array', rawFile(`[1]`, 0), 'MALFORMED_JSON', /must start with '\{'/);
  });

  it('rejects N larger than the file, tensors past its end, and files shorter than 8 bytes', () => {
    expectFileError('long-n', rawFile(`{}`, 0, 1000n), 'TRUNCATED', /header length 1000 needs 1008 bytes but only 10/);
    expectFileError('short-data', rawFile(`{"a":${f32([4], 0, 16)}}`, 8), 'TRUNCATED', /tensor a ends at byte 16 .* holds 8/, 'a');
    expectFileError('tiny', Buffer.from([1, 0, 0]), 'TRUNCATED', /3 bytes, too short/);
  });

  it('rejects a zero or absurd header length as not a safetensors file', () => {
    expectFileError('huge-n', rawFile(`{}`, 0, 1n << 40n), 'NOT_A_MODEL_FILE', /over the 100000000-byte limit/);
    expectFileError('zero-n', rawFile(``, 8, 0n), 'NOT_A_MODEL_FILE', /header length 0 is zero/);
  });

  it('rejects duplicate keys at every level', () => {
    expectFileError('dup', rawFile(`{"a":${f32([1], 0, 4)},"a":${f32([1], 4, 8)}}`, 8), 'MALFORMED_JSON', /duplicate key "a"/);
    expectFileError('dup-field', rawFile(`{"a":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 4), 'MALFORMED_JSON', /duplicate key "dtype"/);
    expectFileError('dup-meta', rawFile(`{"__metadata__":{"k":"1"},"__metadata__":{}}`, 0), 'MALFORMED_JSON', /duplicate key "__metadata__"/);
  });

  it('rejects __metadata__ with a non-string value', () => {
    expectFileError('meta', rawFile(`{"__metadata__":{"k":1}}`, 0), 'MALFORMED_JSON', /__metadata__\.k must be a string, found number/);
    expectFileError('meta-array', rawFile(`{"__metadata__":["x"]}`, 0), 'MALFORMED_JSON', /__metadata__ must be an object/);
  });

  it('rejects malformed JSON, bad UTF-8 and malformed entries', () => {
    expectFileError('json', rawFile(`{"a":${f32([1], 0, 4)}`, 4), 'MALFORMED_JSON', /not valid JSON: expected '\}', found end of input/);
    const badUtf8 = rawFile(`{"__metadata__":{"ab":"x"}}`, 0);
    badUtf8[8 + 18] = 0xff; // the 'a'
    expectFileError('utf8', badUtf8, 'MALFORMED_JSON', /not valid UTF-8/);
    expectFileError('float-offset', rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4.0]}}`, 4), 'MALFORMED_JSON', /non-negative integers, found 4\.0/, 'a');
    expectFileError('exp-shape', rawFile(`{"a":{"dtype":"F32","shape":[1e0],"data_offsets":[0,4]}}`, 4), 'MALFORMED_JSON', /found 1e0/, 'a');
    expectFileError('negative', rawFile(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, 4), 'MALFORMED_JSON', /found -1/, 'a');
    expectFileError('reversed', rawFile(`{"a":${f32([0], 4, 0)}}`, 0), 'MALFORMED_JSON', /invalid data_offsets \[4, 0\]/, 'a');
    expectFileError('three-offsets', rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}`, 4), 'MALFORMED_JSON', /\[begin, end\]/, 'a');
    expectFileError('missing', rawFile(`{"a":{"dtype":"F32","shape":[1]}}`, 4), 'MALFORMED_JSON', /has no data_offsets/, 'a');
    expectFileError('extra', rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}`, 4), 'MALFORMED_JSON', /unknown field "x"/, 'a');
    expectFileError('entry', rawFile(`{"a":7}`, 0), 'MALFORMED_JSON', /tensor a must be an object/, 'a');
  });
});
