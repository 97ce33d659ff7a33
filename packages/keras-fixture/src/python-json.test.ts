import { describePythonLookup, findPython, runPython } from '@mule-ts/test-utils';
import { describe, expect, it } from 'vitest';
import { SMALL_TEST_SPEC } from './small-options.js';
import { buildKerasGraph, kerasModelConfig } from './keras-graph.js';
import { pythonFloatRepr, pythonJsonDumps } from './python-json.js';

const lookup = findPython(['json']);
const python = lookup.python;

describe('pythonJsonDumps', () => {
  it.skipIf(!python)('round-trips through Python json.loads/json.dumps unchanged (floats, escapes, separators)', () => {
    if (!python) return console.warn(`skipped: no python3 (${describePythonLookup(lookup)})`);
    const sample = {
      floats: { init_gain: 0.0, scale: 1.0, y: 2.0, survival_probability: 0.9916666666666667 },
      numbers: [0.1, 1e-5, 0.0001, 123.456, 1e16, 1.5e300, 5e-324, -2.5, 3, -7, 0],
      text: 'tab\there "quoted" back\\slash é ✓ \u0001',
      nested: [[], {}, null, true, false],
    };
    const cases = [pythonJsonDumps(sample), pythonJsonDumps(kerasModelConfig(buildKerasGraph(SMALL_TEST_SPEC)))];
    for (const text of cases) {
      const redumped = runPython(python, 'import json,sys; sys.stdout.write(json.dumps(json.loads(sys.stdin.read())))', [], text);
      expect(redumped).toBe(text);
    }
  });

  it.skipIf(!python)('formats floats like Python repr', () => {
    if (!python) return;
    const values = [0.1, 1e-5, 0.0001, 0.00012, 123.456, 1e15, 1e16, 1.2345e17, 5e-324, 1.7976931348623157e308, -0.5, 2.0];
    const expected = runPython(python, 'import sys; print(" ".join(repr(float(v)) for v in sys.argv[1:]))', values.map(String));
    expect(values.map(pythonFloatRepr).join(' ')).toBe(expected.trim());
  });
});
