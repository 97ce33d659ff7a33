/**
 * The length an mp3 declares for itself, from the Xing/Info tag that LAME and ffmpeg write into
 * the first frame (its frame count). Used to tell a user that a file is shorter than it says (cut
 * off in a download or a copy): the decoder itself decodes what is there without complaint.
 * Reads untrusted bytes: returns null for anything it does not recognise, never throws.
 */

export interface Mp3DeclaredLength {
  frames: number;
  sampleRate: number;
  samplesPerFrame: number;
  /** frames x samplesPerFrame / sampleRate. */
  seconds: number;
}

const SAMPLE_RATES: Readonly<Record<number, readonly number[]>> = {
  3: [44_100, 48_000, 32_000], // MPEG-1
  2: [22_050, 24_000, 16_000], // MPEG-2
  0: [11_025, 12_000, 8_000], // MPEG-2.5
};

/** Where the first frame starts: after an ID3v2 tag, if any. */
function firstFrameOffset(bytes: Uint8Array): number {
  if (bytes.length >= 10 && bytes[0] === 0x49 && bytes[1] === 0x44 && bytes[2] === 0x33) {
    const size = ((bytes[6]! & 0x7f) << 21) | ((bytes[7]! & 0x7f) << 14) | ((bytes[8]! & 0x7f) << 7) | (bytes[9]! & 0x7f);
    return 10 + size + ((bytes[5]! & 0x10) !== 0 ? 10 : 0);
  }
  return 0;
}

/** The declared length, or null (no Xing/Info tag with a frame count in the first frame, or not an mp3). */
export function mp3DeclaredLength(bytes: Uint8Array): Mp3DeclaredLength | null {
  let at = firstFrameOffset(bytes);
  // tolerate a little junk before the first frame
  const limit = Math.min(bytes.length - 4, at + 4096);
  while (at < limit && !(bytes[at] === 0xff && (bytes[at + 1]! & 0xe0) === 0xe0)) at++;
  if (at >= limit) return null;
  const b1 = bytes[at + 1]!;
  const b2 = bytes[at + 2]!;
  const b3 = bytes[at + 3]!;
  const version = (b1 >> 3) & 3;
  const layer = (b1 >> 1) & 3;
  const rateIndex = (b2 >> 2) & 3;
  if (version === 1 || layer !== 1 || rateIndex === 3) return null; // reserved version, not Layer III
  const sampleRate = SAMPLE_RATES[version]![rateIndex]!;
  const mono = ((b3 >> 6) & 3) === 3;
  const mpeg1 = version === 3;
  const sideInfo = mpeg1 ? (mono ? 17 : 32) : mono ? 9 : 17;
  const tag = at + 4 + sideInfo;
  if (tag + 12 > bytes.length) return null;
  const id = String.fromCharCode(bytes[tag]!, bytes[tag + 1]!, bytes[tag + 2]!, bytes[tag + 3]!);
  if (id !== 'Xing' && id !== 'Info') return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const flags = view.getUint32(tag + 4);
  if ((flags & 1) === 0) return null;
  const frames = view.getUint32(tag + 8);
  if (frames === 0) return null;
  const samplesPerFrame = mpeg1 ? 1152 : 576;
  return { frames, sampleRate, samplesPerFrame, seconds: (frames * samplesPerFrame) / sampleRate };
}
