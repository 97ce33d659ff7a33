import { describePythonLookup, findPython, runPython } from '@mule-ts/test-utils';
import { describe, expect, it } from 'vitest';
import { reflectIndex, reflectPad } from './reflect-pad.js';

const lookup = findPython(['numpy']);
if (!lookup.python) console.warn(`skipping the numpy reflect-pad test: no python3 with numpy (${describePythonLookup(lookup)})`);

describe('reflectPad', () => {
  it('mirrors without repeating the edge sample (hand-written)', () => {
    expect(Array.from(reflectPad([1, 2, 3, 4], 3))).toEqual([4, 3, 2, 1, 2, 3, 4, 3, 2, 1]);
    expect(Array.from(reflectPad([1, 2], 3))).toEqual([2, 1, 2, 1, 2, 1, 2, 1]);
    expect(Array.from(reflectPad([5], 2))).toEqual([5, 5, 5, 5, 5]);
    expect(() => reflectPad([], 1)).toThrow(/empty/);
  });

  it.skipIf(!lookup.python)('equals numpy np.pad(mode="reflect") for pads longer than the signal', () => {
    const lengths = [1, 2, 3, 5, 100, 1023, 1024, 1025, 3000];
    const script = `
import json, sys
import numpy as np
print(json.dumps([np.pad(np.arange(n), 1024, mode='reflect').tolist() for n in json.loads(sys.argv[1])]))`;
    const expected = JSON.parse(runPython(lookup.python!, script, [JSON.stringify(lengths)])) as number[][];
    lengths.forEach((n, i) => {
      const ours = Array.from({ length: n + 2048 }, (_, j) => reflectIndex(j - 1024, n));
      expect(ours, `n = ${n}`).toEqual(expected[i]);
    });
  });
});
