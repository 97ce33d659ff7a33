import { describe, expect, it } from 'vitest';
import { resampleForModel } from '../audio/resample-for-model.js';
import { isMuleError } from '../errors/mule-error.js';
import { musicLikeSignal, whiteNoise } from './__fixtures__/test-signals.js';
import { MULE_FRONT_END } from './frontend-params.js';
import { prepareClip } from './prepare-clip.js';
import { prepareClipInParts } from './prepare-clip-in-parts.js';
import type { MelSlices, ShortClipMode } from './slicer.js';

/** A decoded-like 44.1 kHz mono signal (int16 steps / 2^16, as upstream's decoder gives). */
function decoded44k(seconds: number, seed: number): Float32Array {
  const noise = whiteNoise(Math.round(seconds * 44_100), seed, 0.4);
  return noise.map((v) => Math.round(v * 32_768) / 65_536);
}

function joinParts(parts: Iterable<MelSlices>): { widths: number[]; centres: number[]; starts: number[]; data: Float32Array; count: number } {
  const all = [...parts];
  const data = new Float32Array(all.reduce((n, p) => n + p.data.length, 0));
  let offset = 0;
  for (const p of all) {
    data.set(p.data, offset);
    offset += p.data.length;
  }
  return { widths: all.flatMap((p) => p.widths), centres: all.flatMap((p) => p.centres), starts: all.flatMap((p) => p.starts), data, count: all.length };
}

function expectSameSlices(parts: ReturnType<typeof joinParts>, whole: MelSlices): void {
  expect(parts.widths).toEqual(whole.widths);
  expect(parts.centres).toEqual(whole.centres);
  expect(parts.starts).toEqual(whole.starts);
  expect(parts.data.length).toBe(whole.data.length);
  let differing = 0;
  for (let i = 0; i < whole.data.length; i++) if (!Object.is(parts.data[i], whole.data[i])) differing++;
  expect(differing).toBe(0);
}

describe('prepareClipInParts', () => {
  // 1.5 s: no slice; 2.5 s: upstream's narrow slice; 3 s: one full slice; 7 s: the tail reflects;
  // 85 s: past the first 8000-frame chunk, where upstream skips the centre 8000.
  const cases: Array<{ seconds: number; shortClip: ShortClipMode; perPart: number }> = [
    { seconds: 1.5, shortClip: 'faithful', perPart: 8 },
    { seconds: 1.5, shortClip: 'pad', perPart: 8 },
    { seconds: 2.5, shortClip: 'faithful', perPart: 8 },
    { seconds: 3, shortClip: 'faithful', perPart: 1 },
    { seconds: 7.01, shortClip: 'faithful', perPart: 2 },
    { seconds: 85.3, shortClip: 'faithful', perPart: 8 },
  ];
  for (const { seconds, shortClip, perPart } of cases) {
    it(`gives the whole clip's slices bit for bit, ${perPart} at a time: ${seconds} s, ${shortClip}`, () => {
      const decoded = decoded44k(seconds, Math.round(seconds * 10));
      const whole = prepareClip(resampleForModel(decoded, 44_100, MULE_FRONT_END.resampling), MULE_FRONT_END, shortClip).slices;
      const inParts = prepareClipInParts(decoded, 44_100, MULE_FRONT_END, { shortClip, slicesPerPart: perPart });
      expect(inParts.sliceCount).toBe(whole.widths.length);
      const joined = joinParts(inParts.parts);
      expectSameSlices(joined, whole);
      if (whole.widths.length > perPart) expect(joined.count).toBe(Math.ceil(whole.widths.length / perPart));
    });
  }

  it('takes audio already at 16 kHz without resampling', () => {
    const waveform = musicLikeSignal(9.5, 3);
    const whole = prepareClip(waveform, MULE_FRONT_END).slices;
    expectSameSlices(joinParts(prepareClipInParts(waveform, 16_000, MULE_FRONT_END, { slicesPerPart: 3 }).parts), whole);
  });

  it('computes lazily: later parts read the signal only when they are taken', () => {
    const decoded = decoded44k(60, 5);
    const whole = prepareClip(resampleForModel(decoded, 44_100, MULE_FRONT_END.resampling), MULE_FRONT_END).slices;
    const iterator = prepareClipInParts(decoded, 44_100, MULE_FRONT_END, { slicesPerPart: 2 }).parts[Symbol.iterator]();
    const first = iterator.next().value as MelSlices;
    expect(first.data).toEqual(whole.data.subarray(0, first.data.length));
    decoded.fill(0.25, decoded.length - 44_100); // changed after the first part: only the last seconds' slices see it
    const rest: MelSlices[] = [];
    for (let r = iterator.next(); !r.done; r = iterator.next()) rest.push(r.value);
    const last = rest.at(-1)!;
    expect(last.slices.at(-1)).not.toEqual(whole.slices.at(-1));
  });

  it('refuses a non-finite sample before any part, naming it', () => {
    const decoded = decoded44k(10, 2);
    decoded[123_456] = Number.NaN;
    let error: unknown;
    try {
      prepareClipInParts(decoded, 44_100, MULE_FRONT_END);
    } catch (e) {
      error = e;
    }
    expect(isMuleError(error) && error.code === 'NON_FINITE').toBe(true);
    expect((error as Error).message).toContain('sample 123456');
  });
});
