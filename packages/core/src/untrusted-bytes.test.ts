/**
 * Every reader of untrusted bytes in core, fed seeded damage of a valid sample: bytes changed,
 * truncation, random insertions, length fields set to large values, and (for the JSON documents)
 * values swapped for values of other types. Each case must end in a result or in one MuleError
 * naming the source; never another exception, a hang, or an allocation beyond the input's size.
 * MULE_FUZZ_CASES sets the cases per reader (default 300).
 */
import { encodePcm16Wav, mulberry32 } from '@mule-ts/test-utils';
import { describe, expect, it } from 'vitest';
import { makeModelConfig, parseModelConfig } from './artifacts/model-config.js';
import { parseManifest, serializeManifest, type ArtifactManifest } from './artifacts/manifest.js';
import { MuleError } from './errors/mule-error.js';
import { decodeNpy, encodeNpy, ndarray } from './npy/npy-codec.js';
import { readSafetensorsBytes } from './safetensors/safetensors-bytes.js';
import { serializeSafetensorsHeader } from './safetensors/serialize-header.js';
import { planSafetensorsLayout } from './safetensors/tensor-layout.js';
import { mp3DeclaredLength } from './audio/mp3-declared-length.js';
import { readWavPcm16 } from './audio/wav-reader.js';
import { MULE_F0_PARAMETER_COUNT, MULE_F0_SPEC } from './spec/sfnfnet-spec.js';

const CASES = Number(process.env.MULE_FUZZ_CASES ?? 300);
const te = new TextEncoder();

type Mutator = (bytes: Uint8Array, random: () => number) => Uint8Array;

const int = (random: () => number, n: number): number => Math.floor(random() * n);

const MUTATORS: Record<string, Mutator> = {
  'bytes changed': (b, r) => {
    const out = b.slice();
    for (let i = 0, n = 1 + int(r, 8); i < n; i++) out[int(r, out.length)] = int(r, 256);
    return out;
  },
  truncated: (b, r) => b.slice(0, int(r, b.length)),
  'bytes inserted': (b, r) => {
    const at = int(r, b.length + 1);
    const extra = Uint8Array.from({ length: 1 + int(r, 16) }, () => int(r, 256));
    return Uint8Array.from([...b.subarray(0, at), ...extra, ...b.subarray(at)]);
  },
  'a length field made large': (b, r) => {
    const out = b.slice();
    const view = new DataView(out.buffer);
    const at = int(r, Math.min(64, Math.max(1, out.length - 4)));
    if (at + 4 <= out.length) view.setUint32(at, [0xffffffff, 0x7fffffff, 0x10000000, out.length * 2][int(r, 4)]!, true);
    return out;
  },
};

/** A JSON document with one value, chosen at random, replaced by one of another type. */
function swapJsonValue(text: string, random: () => number): string {
  const root = JSON.parse(text) as unknown;
  const holders: Array<[Record<string, unknown> | unknown[], string | number]> = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        holders.push([v, i]);
        walk(x);
      });
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        holders.push([v as Record<string, unknown>, k]);
        walk(x);
      }
    }
  };
  walk(root);
  const [holder, key] = holders[int(random, holders.length)]!;
  const replacements: unknown[] = [null, -1, 0, 1e300, 'x', '', true, [], {}, [1, 2], { a: 1 }];
  const replacement = replacements[int(random, replacements.length)];
  if (int(random, 4) === 0 && !Array.isArray(holder)) delete (holder as Record<string, unknown>)[key as string];
  else (holder as Record<string | number, unknown>)[key] = replacement;
  return JSON.stringify(root);
}

interface Reader {
  name: string;
  sample: Uint8Array;
  read(bytes: Uint8Array, source: string): unknown;
  json?: boolean;
}

const manifest: ArtifactManifest = {
  format: 'mule-ts-artifacts',
  formatVersion: 2,
  converter: { name: '@mule-ts/convert', version: '0.1.0' },
  source: { file: 'model.keras', path: '../model.keras', sha256: 'a'.repeat(64), bytes: 10, kerasVersion: '2.13.1' },
  createdAt: '2026-01-01T00:00:00.000Z',
  files: { 'config.json': { sha256: 'b'.repeat(64), bytes: 5 } },
  verification: [
    {
      id: 'r1',
      verdict: 'pass',
      checkedAt: '2026-01-02T00:00:00.000Z',
      tool: { name: '@mule-ts/verify', version: '0.1.0' },
      source: { file: 'model.keras', sha256: 'a'.repeat(64) },
      files: { 'config.json': 'b'.repeat(64) },
      reference: { runner: 'python', tool: 'mule_reference@0.1.0', python: 'CPython 3.11' },
      audio: 'test signal',
      stages: { mel: { status: 'pass', maxAbs: 1e-7, margin: 'Infinity' } },
    },
  ],
};

function safetensorsSample(): Uint8Array {
  const tensors = planSafetensorsLayout([
    { name: 'a', dtype: 'F32', shape: [2, 3] },
    { name: 'b', dtype: 'F32', shape: [] },
    { name: 'c', dtype: 'I64', shape: [2] },
  ]);
  const header = serializeSafetensorsHeader(tensors, { format: 'mule-ts' });
  const data = new Uint8Array(tensors.at(-1)!.dataOffsets[1]).map((_, i) => i);
  return Uint8Array.from([...header, ...data]);
}

/** The first frame of an mp3 as LAME and ffmpeg write it: MPEG-1 Layer III, 128 kb/s, 44.1 kHz, an Info tag of 100 frames. */
function mp3Sample(): Uint8Array {
  const frame = new Uint8Array(417 * 3);
  frame.set([0xff, 0xfb, 0x90, 0x64]);
  frame.set(te.encode('Info'), 36);
  new DataView(frame.buffer).setUint32(40, 0x0f);
  new DataView(frame.buffer).setUint32(44, 100);
  return Uint8Array.from([...te.encode('ID3'), 4, 0, 0, 0, 0, 0, 0, ...frame]);
}

const READERS: Reader[] = [
  { name: 'song.mp3 (declared length)', sample: mp3Sample(), read: (b) => mp3DeclaredLength(b) },
  { name: 'manifest.json', sample: te.encode(serializeManifest(manifest)), read: (b, s) => parseManifest(new TextDecoder().decode(b), s), json: true },
  { name: 'config.json', sample: te.encode(JSON.stringify(makeModelConfig(MULE_F0_SPEC, MULE_F0_PARAMETER_COUNT, true))), read: (b, s) => parseModelConfig(new TextDecoder().decode(b), s), json: true },
  {
    name: 'model.safetensors',
    sample: safetensorsSample(),
    read: (b, s) => {
      const st = readSafetensorsBytes(b, s);
      return st.tensorNames.map((n) => (st.tensorInfo(n).dtype === 'F32' ? st.tensor(n) : st.tensorBytes(n)));
    },
  },
  { name: 'stage.npy', sample: encodeNpy(ndarray(Float32Array.from({ length: 24 }, (_, i) => i / 7), [2, 3, 4])), read: (b, s) => decodeNpy(b, s) },
  { name: 'clip.wav', sample: encodePcm16Wav({ channels: [Int16Array.from({ length: 400 }, (_, i) => i * 50 - 10_000), Int16Array.from({ length: 400 }, (_, i) => 9_000 - i * 40)], sampleRate: 44_100 }), read: (b, s) => readWavPcm16(b, s, 1800) },
];

describe('readers of untrusted bytes, on seeded damage', () => {
  it.each(READERS)('$name', (reader) => {
    expect(reader.read(reader.sample, reader.name)).toBeTruthy();
    const outcomes = new Map<string, number>();
    const mutators = Object.entries(MUTATORS);
    for (let seed = 1; seed <= CASES; seed++) {
      const random = mulberry32(seed);
      let label: string;
      let input: Uint8Array;
      if (reader.json && seed % 3 === 0) {
        label = 'a value of another type';
        input = te.encode(swapJsonValue(new TextDecoder().decode(reader.sample), random));
      } else {
        const [name, mutate] = mutators[seed % mutators.length]!;
        label = name;
        input = mutate(reader.sample, random);
      }
      const source = `/data/${reader.name}`;
      const started = performance.now();
      let outcome: string;
      try {
        reader.read(input, source);
        outcome = 'read';
      } catch (error) {
        if (!(error instanceof MuleError)) throw new Error(`${reader.name}, seed ${seed} (${label}): ${(error as Error).stack ?? String(error)}`);
        expect(error.message, `${reader.name}, seed ${seed}`).toContain(source);
        outcome = error.code;
      }
      expect(performance.now() - started, `${reader.name}, seed ${seed} (${label}) took too long`).toBeLessThan(2000);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    console.log(`${reader.name}: ${CASES} damaged inputs -> ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  });
});
