/**
 * Upstream's amplitude convention: each int16 sample divided by 2^16 (not 2^15), then the channels
 * **summed** (not averaged). A full-scale mono file spans [-0.5, 0.5); a stereo file up to [-1, 1).
 *
 * The result is exact in float32: a sum of c int16 values is an integer below 2^15 * c, which
 * needs at most 24 significant bits for c <= 256, and dividing by 2^16 only moves the exponent.
 */
/** Interleaved int16 frames -> mono float32, channels summed, each sample divided by `int16Scale` (config `decoding.int16Scale`). */
export function int16ToMono(samples: Int16Array, channelCount: number, int16Scale: number): Float32Array {
  const scale = 1 / int16Scale;
  const frames = Math.floor(samples.length / channelCount);
  const mono = new Float32Array(frames);
  for (let f = 0, i = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channelCount; c++) sum += samples[i++]!;
    mono[f] = sum * scale;
  }
  return mono;
}

/**
 * The same conversion for a stream of little-endian int16 bytes (ffmpeg's stdout), chunk by chunk,
 * so 30 minutes of multichannel PCM is never held in memory: only the mono result grows.
 * Chunks may split a sample or a frame anywhere.
 */
export class Pcm16leMonoMixer {
  private mono: Float32Array;
  private length = 0;
  private readonly carry: Uint8Array;
  private carryLength = 0;
  private readonly frameBytes: number;
  private readonly scale: number;

  constructor(
    readonly channelCount: number,
    /** int16 / this (config `decoding.int16Scale`). */
    int16Scale: number,
    /** Frames beyond this are dropped. */
    private readonly maxFrames = Infinity,
    initialCapacity = 1 << 16,
  ) {
    this.frameBytes = 2 * channelCount;
    this.scale = 1 / int16Scale;
    this.carry = new Uint8Array(this.frameBytes);
    this.mono = new Float32Array(Math.min(initialCapacity, maxFrames));
  }

  get frames(): number {
    return this.length;
  }

  push(chunk: Uint8Array): void {
    let at = 0;
    if (this.carryLength > 0) {
      const take = Math.min(this.frameBytes - this.carryLength, chunk.length);
      this.carry.set(chunk.subarray(0, take), this.carryLength);
      this.carryLength += take;
      at = take;
      if (this.carryLength < this.frameBytes) return;
      this.appendFrames(this.carry, 0, 1);
      this.carryLength = 0;
    }
    const whole = Math.floor((chunk.length - at) / this.frameBytes);
    this.appendFrames(chunk, at, whole);
    at += whole * this.frameBytes;
    this.carry.set(chunk.subarray(at), 0);
    this.carryLength = chunk.length - at;
  }

  /** The mono signal so far (an incomplete trailing frame is dropped, as a WAV reader does). */
  finish(): Float32Array {
    return this.mono.subarray(0, this.length);
  }

  private appendFrames(bytes: Uint8Array, offset: number, frames: number): void {
    const room = this.maxFrames - this.length;
    const n = Math.min(frames, room);
    if (n <= 0) return;
    this.reserve(this.length + n);
    const channels = this.channelCount;
    let at = bytes.byteOffset + offset;
    const view = new DataView(bytes.buffer);
    for (let f = 0; f < n; f++) {
      let sum = 0;
      for (let c = 0; c < channels; c++, at += 2) sum += view.getInt16(at, true);
      this.mono[this.length++] = sum * this.scale;
    }
  }

  private reserve(frames: number): void {
    if (frames <= this.mono.length) return;
    const grown = new Float32Array(Math.min(Math.max(frames, 2 * this.mono.length), this.maxFrames));
    grown.set(this.mono.subarray(0, this.length));
    this.mono = grown;
  }
}
