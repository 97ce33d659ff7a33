import { MuleError } from '@mule-ts/core';
import { describe, expect, it } from 'vitest';
import { checkWaveform } from './waveform-input.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MuleError);
    return `${(e as MuleError).code}: ${(e as MuleError).message}`;
  }
  return 'no error';
}

describe('checkWaveform', () => {
  it('accepts typed float arrays', () => {
    const w = new Float32Array([0, 0.5, -0.5]);
    expect(checkWaveform(w)).toBe(w);
    expect(checkWaveform(new Float64Array(3))).toBeInstanceOf(Float64Array);
  });

  it('names what is wrong: type, emptiness, the first non-finite sample', () => {
    expect(codeOf(() => checkWaveform([0, 1]))).toMatch(/INVALID_INPUT: .*got an Array.*Float32Array\.from/);
    expect(codeOf(() => checkWaveform(new Int16Array(4)))).toMatch(/got Int16Array/);
    expect(codeOf(() => checkWaveform(null))).toMatch(/got null/);
    expect(codeOf(() => checkWaveform(new Float32Array(0)))).toMatch(/INVALID_INPUT: waveform: the waveform is empty/);
    expect(codeOf(() => checkWaveform(new Float32Array([0, 1, Number.NaN, Infinity]), 'clip.wav'))).toMatch(/clip\.wav: sample 2 is NaN/);
  });
});
