/**
 * A pure TypeScript WAV reader for environments without ffmpeg: RIFF (little-endian) and RIFX
 * (big-endian) WAVE files of integer PCM (8-bit unsigned, 16/24/32-bit signed) or IEEE float
 * (32/64-bit), any channel count, plain or WAVE_FORMAT_EXTENSIBLE (format taken from the
 * sub-format GUID). Unknown chunks are skipped, odd-sized chunks padded as RIFF requires.
 *
 * Samples come out as interleaved int16, converted the way ffmpeg's libswresample converts to s16
 * (what upstream's `ffmpeg -acodec pcm_s16le` gives at the source rate; checked against Debian's
 * ffmpeg in ffmpeg-parity.test.ts):
 * - u8:  (v - 128) << 8                 exact
 * - s16: as is                          exact, so a 44.1 kHz PCM16 file gives ffmpeg's samples bit for bit
 * - s24: v >> 8, s32: v >> 16           truncation towards -infinity (arithmetic shift), no rounding
 * - f32/f64: round-half-even(x * 32768), clipped to [-32768, 32767]
 * A data chunk shorter than its header says (a truncated file) is decoded up to the last whole
 * frame, as ffmpeg does; `truncated` reports it.
 */
import { MuleError } from '../errors/index.js';

export type WavSampleFormat = 'u8' | 's16' | 's24' | 's32' | 'f32' | 'f64';

export interface WavFormat {
  sampleRate: number;
  channelCount: number;
  sampleFormat: WavSampleFormat;
  /** 1 = PCM, 3 = IEEE float, 0xFFFE = WAVE_FORMAT_EXTENSIBLE. */
  formatTag: number;
  bigEndian: boolean;
  /** Bytes per frame (all channels). */
  blockAlign: number;
}

export interface WavHeader {
  format: WavFormat;
  /** Byte offset of the first sample. */
  dataOffset: number;
  /** Data bytes the header declares (null when unknown: 0 or 0xFFFFFFFF, a streamed file). */
  declaredDataBytes: number | null;
}

export interface WavPcm16 {
  format: WavFormat;
  /** Interleaved int16 samples, `frames * channelCount` of them. */
  samples: Int16Array;
  frames: number;
  /** True when the data chunk ended before the size its header declares. */
  truncated: boolean;
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** The 14 bytes after the format code in a KSDATAFORMAT_SUBTYPE_* GUID (…-0000-0010-8000-00AA00389B71). */
const GUID_SUFFIX = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

function fourcc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}

/**
 * Parses the header of a WAV file up to the start of the data chunk. Returns null when `bytes`
 * ends before the data chunk starts (a stream that needs more bytes); throws when it is not a
 * WAV file or the format is not supported.
 */
export function parseWavHeader(bytes: Uint8Array, file: string): WavHeader | null {
  if (bytes.length < 12) return null;
  const riff = fourcc(bytes, 0);
  if ((riff !== 'RIFF' && riff !== 'RIFX') || fourcc(bytes, 8) !== 'WAVE') {
    throw new MuleError('INVALID_INPUT', `${file}: not a WAV file (no RIFF/WAVE header; found ${JSON.stringify(fourcc(bytes, 0))})`, {
      file,
      expected: 'RIFF....WAVE',
      found: fourcc(bytes, 0),
    });
  }
  const bigEndian = riff === 'RIFX';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let format: WavFormat | null = null;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = fourcc(bytes, at);
    const size = view.getUint32(at + 4, !bigEndian);
    const body = at + 8;
    if (id === 'data') {
      if (!format) throw new MuleError('INVALID_INPUT', `${file}: the data chunk comes before the fmt chunk`, { file });
      return { format, dataOffset: body, declaredDataBytes: size === 0 || size === 0xffffffff ? null : size };
    }
    if (id === 'fmt ') {
      if (body + size > bytes.length) return null;
      format = parseFmtChunk(view, body, size, bigEndian, file);
    }
    at = body + size + (size % 2);
  }
  if (bytes.length >= 1 << 20 || (format === null && bytes.length > 64 * 1024)) {
    throw new MuleError('INVALID_INPUT', `${file}: no data chunk in the first ${bytes.length} bytes of the WAV file`, { file });
  }
  return null;
}

function parseFmtChunk(view: DataView, at: number, size: number, bigEndian: boolean, file: string): WavFormat {
  const le = !bigEndian;
  if (size < 16) throw new MuleError('INVALID_INPUT', `${file}: the fmt chunk has ${size} bytes, at least 16 expected`, { file, expected: '>= 16', found: size });
  const formatTag = view.getUint16(at, le);
  const channelCount = view.getUint16(at + 2, le);
  const sampleRate = view.getUint32(at + 4, le);
  const blockAlign = view.getUint16(at + 12, le);
  const bits = view.getUint16(at + 14, le);
  let code = formatTag;
  if (formatTag === WAVE_FORMAT_EXTENSIBLE) {
    if (size < 40) throw new MuleError('INVALID_INPUT', `${file}: WAVE_FORMAT_EXTENSIBLE fmt chunk has ${size} bytes, 40 expected`, { file, expected: 40, found: size });
    code = view.getUint16(at + 24, le);
    const suffixOk = GUID_SUFFIX.every((b, i) => view.getUint8(at + 26 + i) === b);
    if (!suffixOk) throw unsupported(file, 'a WAVE_FORMAT_EXTENSIBLE sub-format GUID that is not a KSDATAFORMAT_SUBTYPE_* (PCM or IEEE float)', formatTag, bits);
  }
  if (channelCount < 1) throw new MuleError('INVALID_INPUT', `${file}: the fmt chunk declares ${channelCount} channels`, { file, found: channelCount });
  if (sampleRate < 1) throw new MuleError('INVALID_INPUT', `${file}: the fmt chunk declares a sample rate of ${sampleRate} Hz`, { file, found: sampleRate });
  const sampleFormat = sampleFormatOf(code, bits);
  if (!sampleFormat) throw unsupported(file, `format code ${code} with ${bits} bits per sample`, formatTag, bits);
  const bytesPerSample = BYTES_PER_SAMPLE[sampleFormat];
  if (blockAlign !== bytesPerSample * channelCount) {
    throw new MuleError('INVALID_INPUT', `${file}: block align ${blockAlign} does not match ${channelCount} channels of ${bytesPerSample} bytes`, {
      file,
      expected: bytesPerSample * channelCount,
      found: blockAlign,
    });
  }
  return { sampleRate, channelCount, sampleFormat, formatTag, bigEndian, blockAlign };
}

const BYTES_PER_SAMPLE: Record<WavSampleFormat, number> = { u8: 1, s16: 2, s24: 3, s32: 4, f32: 4, f64: 8 };

function sampleFormatOf(code: number, bits: number): WavSampleFormat | null {
  if (code === WAVE_FORMAT_PCM) return bits === 8 ? 'u8' : bits === 16 ? 's16' : bits === 24 ? 's24' : bits === 32 ? 's32' : null;
  if (code === WAVE_FORMAT_IEEE_FLOAT) return bits === 32 ? 'f32' : bits === 64 ? 'f64' : null;
  return null;
}

function unsupported(file: string, what: string, formatTag: number, bits: number): MuleError {
  return new MuleError(
    'UNSUPPORTED',
    `${file}: the WAV reader does not support ${what}; it reads PCM 8/16/24/32-bit and IEEE float 32/64-bit (install ffmpeg for other encodings)`,
    { file, found: { formatTag, bits } },
  );
}

/** Reads a whole WAV file held in memory; at most the first `maxSeconds` (rounded to whole frames). */
export function readWavPcm16(bytes: Uint8Array, file: string, maxSeconds = Infinity): WavPcm16 {
  const header = parseWavHeader(bytes, file);
  if (!header) {
    throw new MuleError('TRUNCATED', `${file}: the WAV file ends (${bytes.length} bytes) before its data chunk starts`, { file, found: bytes.length });
  }
  const { format, dataOffset, declaredDataBytes } = header;
  const available = bytes.length - dataOffset;
  const dataBytes = declaredDataBytes === null ? available : Math.min(declaredDataBytes, available);
  const truncated = declaredDataBytes !== null && declaredDataBytes > available;
  const frames = Math.min(Math.floor(dataBytes / format.blockAlign), Math.round(maxSeconds * format.sampleRate));
  const samples = new Int16Array(frames * format.channelCount);
  convertToInt16(bytes.subarray(dataOffset, dataOffset + frames * format.blockAlign), format, samples);
  return { format, samples, frames, truncated };
}

/** Converts packed samples of `format` to int16 as libswresample does (see the module comment). */
export function convertToInt16(data: Uint8Array, format: WavFormat, out: Int16Array): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const le = !format.bigEndian;
  const n = out.length;
  switch (format.sampleFormat) {
    case 'u8':
      for (let i = 0; i < n; i++) out[i] = (data[i]! - 128) << 8;
      return;
    case 's16':
      for (let i = 0; i < n; i++) out[i] = view.getInt16(2 * i, le);
      return;
    case 's24':
      for (let i = 0; i < n; i++) {
        const a = 3 * i;
        // the two most significant bytes of the 24-bit value = v >> 8
        out[i] = le ? (data[a + 2]! << 8) | data[a + 1]! : (data[a]! << 8) | data[a + 1]!;
      }
      return;
    case 's32':
      for (let i = 0; i < n; i++) out[i] = view.getInt32(4 * i, le) >> 16;
      return;
    case 'f32':
      for (let i = 0; i < n; i++) out[i] = floatToInt16(view.getFloat32(4 * i, le));
      return;
    case 'f64':
      for (let i = 0; i < n; i++) out[i] = floatToInt16(view.getFloat64(8 * i, le));
      return;
  }
}

/** clip(lrint(x * 32768)) with the default rounding mode (half to even); NaN -> 0. */
export function floatToInt16(x: number): number {
  const y = x * 32768;
  if (!(y > -32768)) return y !== y ? 0 : -32768;
  if (y >= 32767) return 32767;
  const r = Math.round(y);
  // Math.round rounds halves up; lrint rounds them to even
  return r - y === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
