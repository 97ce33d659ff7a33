import { MuleError } from '@mule-ts/core';
import { describe, expect, it } from 'vitest';
import { parsePythonJson } from './python-json.js';

const SOURCE = { file: '/models/x.keras', member: 'config.json' };

function parseError(text: string): MuleError {
  try {
    parsePythonJson(text, SOURCE);
  } catch (e) {
    expect(e).toBeInstanceOf(MuleError);
    return e as MuleError;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

describe('parsePythonJson', () => {
  it('reads the bare NaN, Infinity and -Infinity tokens json.dumps writes', () => {
    const value = parsePythonJson('{"a": NaN, "b": [Infinity, -Infinity, -1.5e-3], "c": {"d": NaN}}', SOURCE) as {
      a: number;
      b: number[];
      c: { d: number };
    };
    expect(value.a).toBeNaN();
    expect(value.b).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0.0015]);
    expect(value.c.d).toBeNaN();
  });

  it('leaves the same words inside strings alone', () => {
    expect(parsePythonJson('["NaN", "Infinity", "-Infinity", "x NaN y", "\\"NaN\\""]', SOURCE)).toEqual([
      'NaN',
      'Infinity',
      '-Infinity',
      'x NaN y',
      '"NaN"',
    ]);
  });

  it('agrees with JSON.parse on standard JSON, escapes included', () => {
    const text = JSON.stringify({
      s: 'tab\t newline\n quote" backslash\\ unicode \u00e9 \u2603 \ud83c\udfb5 control \u0001',
      n: [0, -0.5, 1e21, 12345678901234, 3.14159],
      nested: [{ a: null, b: true, c: false }, []],
      empty: {},
    });
    expect(parsePythonJson(text, SOURCE)).toEqual(JSON.parse(text));
    // Python's ensure_ascii output: \\uXXXX escapes, including surrogate pairs.
    expect(parsePythonJson('"caf\\u00e9 \\ud83c\\udfb5"', SOURCE)).toBe('café 🎵');
  });

  it('keeps a "__proto__" key as data', () => {
    const value = parsePythonJson('{"__proto__": {"polluted": 1}}', SOURCE) as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it('names the file, the member, the line, column and offset of an error', () => {
    const err = parseError('{\n  "a": 1,\n  "b": nan\n}');
    expect(err.code).toBe('MALFORMED_JSON');
    expect(err.message).toContain('/models/x.keras');
    expect(err.message).toContain('config.json');
    expect(err.message).toContain('line 3, column 8 (offset 19)');
  });

  it.each([
    ['{"a": 1,}', 8],
    ['[1, 2', 5],
    ['{"a" 1}', 5],
    ['"unterminated', 0],
    ['[NaNa]', 4],
    ['[-Inf]', 1],
    ['{"a": 01}', 7],
    ['[1] [2]', 4],
    ['"bad \\x escape"', 5],
    ['', 0],
  ])('rejects %j at offset %i', (text, offset) => {
    const err = parseError(text);
    expect(err.code).toBe('MALFORMED_JSON');
    expect(err.message).toContain(`(offset ${offset})`);
  });
});
