/**
 * `json.dumps` with Python's defaults (`ensure_ascii=True`, `", "` and `": "` separators,
 * `allow_nan=True`), which is how Keras writes `config.json` and `metadata.json`.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * Keys whose numbers are Python floats in the MULE config even when integral (`1.0`, `0.0`, `2.0`).
 * JSON numbers carry no int/float distinction, so the writer decides by key.
 */
export const PYTHON_FLOAT_KEYS: ReadonlySet<string> = new Set(['init_gain', 'scale', 'y', 'survival_probability']);

/** Python's `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mantissa, expText] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const expSign = exp < 0 ? '-' : '+';
    return `${sign}${digits[0]}${frac}e${expSign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const fracPart = digits.slice(exp + 1);
  return `${sign}${intPart}.${fracPart.length > 0 ? fracPart : '0'}`;
}

function dumpString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function dumpNumber(x: number, asFloat: boolean): string {
  if (!asFloat && Number.isInteger(x) && Math.abs(x) < 2 ** 53) return String(x);
  return pythonFloatRepr(x);
}

function dump(value: JsonValue, key: string | null, floatKeys: ReadonlySet<string>): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return dumpNumber(value, key !== null && floatKeys.has(key));
  if (typeof value === 'string') return dumpString(value);
  // Keys do not reach into arrays: `"y": ["dense", 0, 0]` holds ints.
  if (Array.isArray(value)) return `[${value.map((v) => dump(v, null, floatKeys)).join(', ')}]`;
  const entries = Object.entries(value).map(([k, v]) => `${dumpString(k)}: ${dump(v, k, floatKeys)}`);
  return `{${entries.join(', ')}}`;
}

/** Serialises `value` exactly as Python's `json.dumps(value)` would serialise the equivalent object. */
export function pythonJsonDumps(value: JsonValue, floatKeys: ReadonlySet<string> = PYTHON_FLOAT_KEYS): string {
  return dump(value, null, floatKeys);
}
