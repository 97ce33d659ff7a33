import { describe, expect, it } from 'vitest';
import type { MuleError } from '../errors/index.js';
import { floatToInt16, parseWavHeader, readWavPcm16 } from './wav-reader.js';

interface WavSpec {
  tag?: number;
  channels: number;
  rate?: number;
  bits: number;
  data: Uint8Array;
  extensible?: { subFormat: number; guidSuffixOk?: boolean };
  bigEndian?: boolean;
  /** Chunks written between fmt and data. */
  extraChunks?: Array<{ id: string; body: Uint8Array }>;
  declaredDataBytes?: number;
}

/** Builds a WAV file byte by byte from the RIFF spec (independent of the reader). */
function buildWav(spec: WavSpec): Uint8Array {
  const le = !spec.bigEndian;
  const parts: number[] = [];
  const u16 = (v: number): void => void (le ? parts.push(v & 255, (v >> 8) & 255) : parts.push((v >> 8) & 255, v & 255));
  const u32 = (v: number): void => {
    const b = [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255];
    parts.push(...(le ? b : b.reverse()));
  };
  const str = (s: string): void => void parts.push(...[...s].map((c) => c.charCodeAt(0)));
  str(spec.bigEndian ? 'RIFX' : 'RIFF');
  u32(0); // RIFF size, not used by readers
  str('WAVE');
  const blockAlign = (spec.bits / 8) * spec.channels;
  str('fmt ');
  u32(spec.extensible ? 40 : 16);
  u16(spec.extensible ? 0xfffe : (spec.tag ?? 1));
  u16(spec.channels);
  u32(spec.rate ?? 44100);
  u32((spec.rate ?? 44100) * blockAlign);
  u16(blockAlign);
  u16(spec.bits);
  if (spec.extensible) {
    u16(22);
    u16(spec.bits);
    u32(0);
    u16(spec.extensible.subFormat);
    parts.push(0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, spec.extensible.guidSuffixOk === false ? 0x72 : 0x71);
  }
  for (const c of spec.extraChunks ?? []) {
    str(c.id);
    u32(c.body.length);
    parts.push(...c.body);
    if (c.body.length % 2) parts.push(0);
  }
  str('data');
  u32(spec.declaredDataBytes ?? spec.data.length);
  parts.push(...spec.data);
  return Uint8Array.from(parts);
}

const le16 = (values: number[]): Uint8Array => new Uint8Array(Int16Array.from(values).buffer);

describe('readWavPcm16', () => {
  it('reads 16-bit PCM exactly, interleaved', () => {
    const wav = readWavPcm16(buildWav({ channels: 2, bits: 16, data: le16([1, -2, 32767, -32768, 0, 5]) }), 'x.wav');
    expect(wav.format).toMatchObject({ channelCount: 2, sampleRate: 44100, sampleFormat: 's16' });
    expect(wav.frames).toBe(3);
    expect(Array.from(wav.samples)).toEqual([1, -2, 32767, -32768, 0, 5]);
    expect(wav.truncated).toBe(false);
  });

  it('8-bit is unsigned with 128 as zero: (v - 128) * 256', () => {
    const wav = readWavPcm16(buildWav({ channels: 1, bits: 8, data: Uint8Array.from([0, 128, 255, 1]) }), 'x.wav');
    expect(Array.from(wav.samples)).toEqual([-32768, 0, 32512, -32512]);
  });

  it('24-bit keeps the top 16 bits (floor), as libswresample does', () => {
    // 0x123456 -> 0x1234; -1 (0xffffff) -> -1; 0x7fffff -> 0x7fff; -0x800000 -> -0x8000; 0x0000ff -> 0
    const bytes = Uint8Array.from([0x56, 0x34, 0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x00, 0x80, 0xff, 0x00, 0x00]);
    const wav = readWavPcm16(buildWav({ channels: 1, bits: 24, data: bytes }), 'x.wav');
    expect(Array.from(wav.samples)).toEqual([0x1234, -1, 0x7fff, -0x8000, 0]);
  });

  it('32-bit integer keeps the top 16 bits (floor)', () => {
    const data = new Uint8Array(Int32Array.from([0x12345678, -1, -0x10000, 0xffff]).buffer);
    expect(Array.from(readWavPcm16(buildWav({ channels: 1, bits: 32, data }), 'x.wav').samples)).toEqual([0x1234, -1, -1, 0]);
  });

  it('float 32/64: round half to even of x * 32768, clipped', () => {
    const values = [0.5, -1, 1, 2, -2, 0.5 / 32768, 1.5 / 32768, -0.5 / 32768, 0.3];
    const expected = [16384, -32768, 32767, 32767, -32768, 0, 2, 0, 9830];
    const f32 = readWavPcm16(buildWav({ channels: 1, bits: 32, tag: 3, data: new Uint8Array(Float32Array.from(values).buffer) }), 'x.wav');
    const f64 = readWavPcm16(buildWav({ channels: 1, bits: 64, tag: 3, data: new Uint8Array(Float64Array.from(values).buffer) }), 'x.wav');
    expect(Array.from(f32.samples)).toEqual(expected);
    expect(Array.from(f64.samples)).toEqual(expected);
    expect(floatToInt16(Number.NaN)).toBe(0);
  });

  it('WAVE_FORMAT_EXTENSIBLE takes the format from the sub-format GUID; 6 channels', () => {
    const data = le16([1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6]);
    const wav = readWavPcm16(buildWav({ channels: 6, bits: 16, data, extensible: { subFormat: 1 } }), 'x.wav');
    expect(wav.format.channelCount).toBe(6);
    expect(Array.from(wav.samples)).toEqual([1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6]);
    const float = readWavPcm16(buildWav({ channels: 1, bits: 32, data: new Uint8Array(Float32Array.from([0.25]).buffer), extensible: { subFormat: 3 } }), 'x.wav');
    expect(Array.from(float.samples)).toEqual([8192]);
    expect(() => readWavPcm16(buildWav({ channels: 1, bits: 16, data: le16([1]), extensible: { subFormat: 1, guidSuffixOk: false } }), 'g.wav')).toThrow(/g\.wav.*sub-format GUID/);
  });

  it('skips unknown chunks, including odd-sized ones with their pad byte', () => {
    const extraChunks = [
      { id: 'LIST', body: Uint8Array.from([1, 2, 3]) },
      { id: 'junk', body: Uint8Array.from([9, 9, 9, 9, 9]) },
    ];
    const wav = readWavPcm16(buildWav({ channels: 1, bits: 16, data: le16([7, -7]), extraChunks }), 'x.wav');
    expect(Array.from(wav.samples)).toEqual([7, -7]);
  });

  it('reads RIFX (big-endian) files', () => {
    const data = Uint8Array.from([0x01, 0x02, 0xff, 0xfe]);
    const wav = readWavPcm16(buildWav({ channels: 1, bits: 16, data, bigEndian: true }), 'x.wav');
    expect(Array.from(wav.samples)).toEqual([0x0102, -2]);
  });

  it('a truncated data chunk gives the whole frames present and says so', () => {
    const full = buildWav({ channels: 2, bits: 16, data: le16([1, 2, 3, 4, 5, 6]) });
    const wav = readWavPcm16(full.subarray(0, full.length - 3), 'cut.wav');
    expect(wav.truncated).toBe(true);
    expect(wav.frames).toBe(2);
    expect(Array.from(wav.samples)).toEqual([1, 2, 3, 4]);
  });

  it('a file that ends before its data chunk is a TRUNCATED error naming the file', () => {
    const full = buildWav({ channels: 1, bits: 16, data: le16([1]) });
    expect(() => readWavPcm16(full.subarray(0, 30), 'short.wav')).toThrow(/short\.wav.*before its data chunk/);
    try {
      readWavPcm16(full.subarray(0, 30), 'short.wav');
    } catch (e) {
      expect((e as MuleError).code).toBe('TRUNCATED');
    }
  });

  it('rejects a non-WAV file, unsupported encodings and a bad block align, naming the file', () => {
    expect(() => readWavPcm16(new TextEncoder().encode('hello, this is not audio at all'), 'notes.wav')).toThrow(/notes\.wav: not a WAV file/);
    expect(() => readWavPcm16(buildWav({ channels: 1, bits: 16, tag: 2, data: le16([1]) }), 'adpcm.wav')).toThrow(/adpcm\.wav.*format code 2/);
    expect(() => readWavPcm16(buildWav({ channels: 1, bits: 12, data: le16([1]) }), 'x.wav')).toThrow(/12 bits/);
  });

  it('cuts at maxSeconds (whole frames at the file rate)', () => {
    const wav = readWavPcm16(buildWav({ channels: 1, bits: 16, rate: 4, data: le16([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) }), 'x.wav', 2);
    expect(Array.from(wav.samples)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('parseWavHeader asks for more bytes (null) until the data chunk starts', () => {
    const full = buildWav({ channels: 1, bits: 16, data: le16([1, 2]) });
    expect(parseWavHeader(full.subarray(0, 20), 'x')).toBeNull();
    expect(parseWavHeader(full, 'x')).toMatchObject({ dataOffset: 44, declaredDataBytes: 4 });
  });
});
