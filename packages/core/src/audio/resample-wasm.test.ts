// The WebAssembly resampling kernel against the JavaScript loop it replaces: every float32 output
// bit-identical, across chunk boundaries, near both ends, in parts and at other rates; and the
// committed bytes are what its .wat source compiles to.
import { mulberry32 } from '@mule-ts/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { BYTES_MODULE, bytesModuleText, compileResampleKernel } from '../../scripts/build-resample-kernel.js';
import { KAISER_BEST } from '../frontend/frontend-params.js';
import { readFile } from 'node:fs/promises';
import { resample, resampleRangeInto, resampledLength, useResampleKernel } from './resample.js';
import { resampleKernel } from './resample-wasm.js';

function noise(n: number, seed: number): Float32Array {
  const random = mulberry32(seed);
  return Float32Array.from({ length: n }, () => Math.fround((random() * 2 - 1) * 0.4));
}

function withJavaScript<T>(compute: () => T): T {
  useResampleKernel(false);
  try {
    return compute();
  } finally {
    useResampleKernel(true);
  }
}

function expectBitIdentical(got: Float32Array, want: Float32Array): void {
  expect(got.length).toBe(want.length);
  const differing = got.findIndex((v, i) => !Object.is(v, want[i]));
  expect(differing, differing >= 0 ? `first difference at output ${differing}: ${got[differing]} vs ${want[differing]}` : '').toBe(-1);
}

describe('the WebAssembly resampling kernel', () => {
  afterEach(() => useResampleKernel(true));

  it('is available here (Node has WebAssembly SIMD), so the tests below run it', () => {
    expect(resampleKernel()).not.toBeNull();
  });

  // 25 s crosses two chunk boundaries (10.24 s of output each); 0.01 s is shorter than the filter.
  for (const seconds of [0.01, 0.5, 3, 25]) {
    it(`gives the JavaScript loop's float32 outputs bit for bit: ${seconds} s at 44.1 -> 16 kHz`, () => {
      const x = noise(Math.round(44_100 * seconds), 11);
      expectBitIdentical(resample(x, 44_100, 16_000, KAISER_BEST), withJavaScript(() => resample(x, 44_100, 16_000, KAISER_BEST)));
    });
  }

  it('and at other rates: 48 and 22.05 kHz down, 8 kHz up, 7999 Hz (no short phase period)', () => {
    for (const [srOrig, seed] of [[48_000, 1], [22_050, 2], [8_000, 3], [7_999, 4]] as const) {
      const x = noise(srOrig * 2, seed);
      expectBitIdentical(resample(x, srOrig, 16_000, KAISER_BEST), withJavaScript(() => resample(x, srOrig, 16_000, KAISER_BEST)));
    }
  });

  it('in parts: outputs [from, to) in uneven ranges equal the whole signal resampled in JavaScript', () => {
    const x = noise(44_100 * 12, 5);
    const n = resampledLength(x.length, 44_100, 16_000);
    const parts = new Float32Array(n);
    const cuts = [0, 7, 1000, 163_840, 163_841, 170_001, n];
    for (let i = 0; i + 1 < cuts.length; i++) resampleRangeInto(x, parts, 44_100, 16_000, KAISER_BEST, cuts[i]!, cuts[i + 1]!);
    expectBitIdentical(parts, withJavaScript(() => resample(x, 44_100, 16_000, KAISER_BEST)));
  });

  it('is built from its source: resample-kernel.wat compiles to the committed bytes', async () => {
    const committed = await readFile(BYTES_MODULE, 'utf8');
    expect(committed, 'resample-kernel-bytes.ts is stale: run pnpm --filter @mule-ts/core run build:wasm').toBe(bytesModuleText(await compileResampleKernel()));
  });
});
