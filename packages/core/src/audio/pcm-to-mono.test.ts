import { describe, expect, it } from 'vitest';
import { int16ToMono, Pcm16leMonoMixer } from './pcm-to-mono.js';

describe('upstream amplitude convention', () => {
  it('int16 / 65536 with the channels summed, not averaged', () => {
    const mono = int16ToMono(Int16Array.from([32767, 32767, -32768, -32768, 100, -50]), 2, 65_536);
    expect(Array.from(mono)).toEqual([65534 / 65536, -65536 / 65536, 50 / 65536]);
  });

  it('divides by the scale it is given (config decoding.int16Scale)', () => {
    expect(Array.from(int16ToMono(Int16Array.from([16384, 16384]), 2, 32_768))).toEqual([1]);
    const mixer = new Pcm16leMonoMixer(1, 32_768);
    mixer.push(new Uint8Array(Int16Array.from([-16384]).buffer));
    expect(Array.from(mixer.finish())).toEqual([-0.5]);
  });

  it('the streaming mixer gives the same result however the bytes are chunked, and stops at maxFrames', () => {
    const samples = Int16Array.from({ length: 3 * 101 }, (_, i) => ((i * 7919) % 65536) - 32768);
    const bytes = new Uint8Array(samples.buffer);
    const whole = int16ToMono(samples, 3, 65_536);
    for (const chunk of [1, 2, 5, 6, 7, 64, 1000]) {
      const mixer = new Pcm16leMonoMixer(3, 65_536, Infinity, 4);
      for (let at = 0; at < bytes.length; at += chunk) mixer.push(bytes.subarray(at, at + chunk));
      expect(Array.from(mixer.finish())).toEqual(Array.from(whole));
    }
    const capped = new Pcm16leMonoMixer(3, 65_536, 10);
    capped.push(bytes);
    expect(Array.from(capped.finish())).toEqual(Array.from(whole.subarray(0, 10)));
  });
});
