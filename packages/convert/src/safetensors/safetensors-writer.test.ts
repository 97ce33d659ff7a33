import { parseSafetensorsHeader, serializeSafetensorsHeader } from '@mule-ts/core';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openSafetensors } from './safetensors-file.js';
import { describePythonLookup, findPython, makeTempDir, runPython, sha256OfFile } from '@mule-ts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSafetensors, type SafetensorsTensorSource } from './safetensors-writer.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await makeTempDir()));
afterAll(() => cleanup());

/** Seeded values (xorshift32 -> [-1, 1)), with the awkward floats in the first slots. */
function seededValues(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s >>> 0) / 2 ** 31 - 1;
  }
  const special = [NaN, -0, Infinity, -Infinity, 1.4e-45, -3.4028234663852886e38, 1e-40];
  special.slice(0, Math.min(length, seed % 2 === 0 ? special.length : 0)).forEach((v, i) => (out[i] = v));
  return out;
}

/**
 * Shapes chosen to exercise the spec: a scalar ([] = one element), empty tensors (a 0
 * dimension: allowed by the spec, zero bytes in the buffer, the range [x, x]), odd sizes that
 * leave tensors unaligned, names JSON must escape and names JS objects would reorder.
 */
const CASES: Array<{ name: string; shape: number[] }> = [
  { name: 'slow.stem.0.weight', shape: [16, 1, 3, 3] },
  { name: 'slow.stages.0.blocks.0.skip_gain', shape: [] },
  { name: 'empty.vector', shape: [0] },
  { name: 'empty.middle', shape: [2, 0, 3] },
  { name: 'odd', shape: [3] },
  { name: '10', shape: [1] },
  { name: '2', shape: [5, 7] },
  { name: 'quote"back\\slash/ünï', shape: [2, 1] },
  { name: 'large', shape: [1000, 257] },
  { name: 'another.scalar', shape: [] },
];

const sources = (): SafetensorsTensorSource[] =>
  CASES.map((c, i) => ({
    name: c.name,
    dtype: 'F32',
    shape: c.shape,
    read: i % 2 === 0 ? () => seededValues(c.shape.reduce((a, b) => a * b, 1), i + 2) : async () => seededValues(c.shape.reduce((a, b) => a * b, 1), i + 2),
  }));

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('writeSafetensors', () => {
  const file = (): string => join(dir, 'round-trip.safetensors');
  const metadata = { format: 'mule-ts', note: 'quote " and ünïcode' };
  let result: Awaited<ReturnType<typeof writeSafetensors>>;
  const progress: Array<[number, number, string]> = [];

  beforeAll(async () => {
    result = await writeSafetensors(file(), sources(), metadata, (done, total, name) => progress.push([done, total, name]));
  });

  it('round-trips every tensor bit for bit through the reader, in order', () => {
    const st = openSafetensors(file());
    try {
      expect(st.tensorNames).toEqual(CASES.map((c) => c.name));
      expect(st.metadata).toEqual(metadata);
      CASES.forEach((c, i) => {
        expect(st.tensorInfo(c.name).shape).toEqual(c.shape);
        expect(bits(st.readTensor(c.name)), c.name).toEqual(bits(seededValues(c.shape.reduce((a, b) => a * b, 1), i + 2)));
      });
    } finally {
      st.close();
    }
  });

  it('pads the header to a multiple of 8 and re-serialises it byte for byte', () => {
    const bytes = readFileSync(file());
    const n = Number(bytes.readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0);
    expect(result.headerBytes).toBe(8 + n);
    const header = parseSafetensorsHeader(bytes, { fileBytes: bytes.length });
    expect(Buffer.from(serializeSafetensorsHeader(header.tensors, header.metadata))).toEqual(bytes.subarray(0, 8 + n));
  });

  it('reports size, counts and a sha256 equal to sha256OfFile and to crypto on the bytes', async () => {
    const bytes = readFileSync(file());
    const elements = CASES.reduce((sum, c) => sum + c.shape.reduce((a, b) => a * b, 1), 0);
    expect(result).toEqual({
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      headerBytes: result.headerBytes,
      tensorCount: CASES.length,
      parameterCount: elements,
    });
    expect(bytes.length).toBe(result.headerBytes + 4 * elements);
    expect(await sha256OfFile(file())).toBe(result.sha256);
  });

  it('reports progress after the header and after each tensor, ending at the total', () => {
    expect(progress.map((p) => p[2])).toEqual(['', ...CASES.map((c) => c.name)]);
    expect(progress.every(([, total]) => total === result.bytes)).toBe(true);
    expect(progress.at(-1)?.[0]).toBe(result.bytes);
  });

  const lookup = findPython(['numpy']);
  it.skipIf(!lookup.python)('is read identically by an independent struct/json/numpy reader', () => {
    const script = `
import json, struct, sys
import numpy as np
data = open(sys.argv[1], "rb").read()
(n,) = struct.unpack("<Q", data[:8])
text = data[8:8 + n].decode("utf-8")
header = json.loads(text)
out = {"n": n, "padding": len(text) - len(text.rstrip(" ")), "metadata": header.pop("__metadata__", {}), "tensors": []}
start = 8 + n
for name, info in header.items():
    assert info["dtype"] == "F32"
    b, e = info["data_offsets"]
    a = np.frombuffer(data[start + b:start + e], dtype="<f4").reshape(info["shape"])
    out["tensors"].append({"name": name, "shape": list(a.shape), "offsets": [b, e], "bits": a.view("<u4").ravel().tolist()})
out["end"] = start + max([t["offsets"][1] for t in out["tensors"]] + [0])
out["size"] = len(data)
print(json.dumps(out))
`;
    const seen = JSON.parse(runPython(lookup.python as string, script, [file()])) as {
      n: number;
      padding: number;
      metadata: Record<string, string>;
      tensors: Array<{ name: string; shape: number[]; offsets: [number, number]; bits: number[] }>;
      end: number;
      size: number;
    };
    expect((8 + seen.n) % 8).toBe(0);
    expect(seen.padding).toBeLessThan(8);
    expect(seen.metadata).toEqual(metadata);
    expect(seen.end).toBe(seen.size);
    let offset = 0;
    expect(seen.tensors.map((t) => t.name)).toEqual(CASES.map((c) => c.name));
    CASES.forEach((c, i) => {
      const t = seen.tensors[i]!;
      const expected = seededValues(c.shape.reduce((a, b) => a * b, 1), i + 2);
      expect(t.shape).toEqual(c.shape);
      expect(t.offsets).toEqual([offset, offset + 4 * expected.length]);
      expect(t.bits, c.name).toEqual(bits(expected));
      offset += 4 * expected.length;
    });
  });
  if (!lookup.python) console.warn(`skipping the independent numpy reader: no python3 with numpy (${describePythonLookup(lookup)})`);

  it('rejects a tensor whose values do not fit its shape, naming it, and leaves no file', async () => {
    const bad = join(dir, 'bad.safetensors');
    const tensors: SafetensorsTensorSource[] = [
      { name: 'fine', dtype: 'F32', shape: [2], read: () => new Float32Array(2) },
      { name: 'short', dtype: 'F32', shape: [3, 4], read: () => new Float32Array(11) },
    ];
    await expect(writeSafetensors(bad, tensors)).rejects.toMatchObject({
      code: 'WRONG_SHAPE',
      message: `${bad}: tensor short has 11 values but its shape [3, 4] needs 12`,
      details: { tensor: 'short', expected: 12, found: 11 },
    });
    expect(existsSync(bad)).toBe(false);
  });

  it('reads each tensor only when it is written, one at a time', async () => {
    const events: string[] = [];
    const tensors: SafetensorsTensorSource[] = ['a', 'b', 'c'].map((name) => ({
      name,
      dtype: 'F32',
      shape: [4],
      read: () => {
        events.push(`read ${name}`);
        return new Float32Array(4);
      },
    }));
    await writeSafetensors(join(dir, 'lazy.safetensors'), tensors, {}, (_d, _t, name) => events.push(`wrote ${name || 'header'}`));
    expect(events).toEqual(['wrote header', 'read a', 'wrote a', 'read b', 'wrote b', 'read c', 'wrote c']);
  });

  it('packs readInto tensors into staging buffers, mixed with read() ones, byte for byte', async () => {
    // Mostly small tensors sharing a staging buffer; one larger than a whole staging buffer (16 MB);
    // one through read() between them; and more than 64 MB in all, so the sha256 runs on the worker.
    const shapes = [[3], [1000, 257], [4500, 1000], [0], [], [5, 7], [2000, 1000], [11000, 1000], [11]];
    const mixed: SafetensorsTensorSource[] = shapes.map((shape, i) => {
      const values = () => seededValues(shape.reduce((a, b) => a * b, 1), i + 20);
      return i === 5
        ? { name: `t${i}`, dtype: 'F32', shape, read: values }
        : { name: `t${i}`, dtype: 'F32', shape, read: () => { throw new Error('readInto is preferred'); }, readInto: (target: Float32Array) => target.set(values()) };
    });
    const out = join(dir, 'staged.safetensors');
    const written = await writeSafetensors(out, mixed);
    const bytes = readFileSync(out);
    expect(bytes.length).toBeGreaterThan(64 * 1024 * 1024);
    expect(written.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    const st = openSafetensors(out);
    try {
      shapes.forEach((shape, i) => {
        expect(bits(st.readTensor(`t${i}`)), `t${i}`).toEqual(bits(seededValues(shape.reduce((a, b) => a * b, 1), i + 20)));
      });
    } finally {
      st.close();
    }
    rmSync(out);
  });

  it('removes the partial file when a readInto fails, with writes in flight', async () => {
    const bad = join(dir, 'bad-into.safetensors');
    const tensors: SafetensorsTensorSource[] = [
      { name: 'big', dtype: 'F32', shape: [5000, 1000], read: () => new Float32Array(0), readInto: (t) => void t.fill(1) },
      { name: 'fails', dtype: 'F32', shape: [5000, 1000], read: () => new Float32Array(0), readInto: () => Promise.reject(new Error('boom')) },
    ];
    await expect(writeSafetensors(bad, tensors)).rejects.toThrow('boom');
    expect(existsSync(bad)).toBe(false);
  });

  it('writes a view of a larger buffer without the bytes around it', async () => {
    const backing = new Float32Array([9, 1, 2, 3, 9]);
    const view = join(dir, 'view.safetensors');
    await writeSafetensors(view, [{ name: 'v', dtype: 'F32', shape: [3], read: () => backing.subarray(1, 4) }]);
    const st = openSafetensors(view);
    expect(Array.from(st.readTensor('v'))).toEqual([1, 2, 3]);
    st.close();
  });
});
