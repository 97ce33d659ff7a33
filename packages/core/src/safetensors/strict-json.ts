/**
 * A strict JSON parser for safetensors headers. `JSON.parse` cannot be used: it silently keeps
 * the last of duplicate keys (the spec forbids duplicates), reorders integer-like keys (the
 * header order must survive a round trip) and turns `1e2` or `24.0` into integers.
 * Objects keep their entries in document order; numbers keep their source text.
 */
export type JsonValue =
  | { kind: 'object'; entries: Array<[string, JsonValue]> }
  | { kind: 'array'; items: JsonValue[] }
  | { kind: 'string'; value: string }
  | { kind: 'number'; text: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' };

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at character ${position}`);
    this.name = 'JsonSyntaxError';
  }
}

/** Headers nest three levels deep; anything far deeper is hostile. */
const MAX_DEPTH = 64;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

export function parseJsonStrict(text: string): JsonValue {
  let pos = 0;

  const skipWhitespace = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      pos++;
    }
  };

  const expect = (char: string): void => {
    if (text[pos] !== char) throw new JsonSyntaxError(`expected '${char}', found ${describe(text, pos)}`, pos);
    pos++;
  };

  const parseString = (): string => {
    expect('"');
    let out = '';
    let runStart = pos;
    for (;;) {
      if (pos >= text.length) throw new JsonSyntaxError('unterminated string', pos);
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        out += text.slice(runStart, pos);
        pos++;
        return out;
      }
      if (c < 0x20) throw new JsonSyntaxError('unescaped control character in string', pos);
      if (c !== 0x5c) {
        pos++;
        continue;
      }
      out += text.slice(runStart, pos);
      const e = text[pos + 1];
      if (e === 'u') {
        const hex = text.slice(pos + 2, pos + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new JsonSyntaxError('bad \\u escape', pos);
        out += String.fromCharCode(parseInt(hex, 16));
        pos += 6;
      } else if (e !== undefined && ESCAPES[e] !== undefined) {
        out += ESCAPES[e];
        pos += 2;
      } else {
        throw new JsonSyntaxError('bad escape', pos);
      }
      runStart = pos;
    }
  };

  const parseValue = (depth: number): JsonValue => {
    if (depth > MAX_DEPTH) throw new JsonSyntaxError(`nesting deeper than ${MAX_DEPTH}`, pos);
    skipWhitespace();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const entries: Array<[string, JsonValue]> = [];
      const seen = new Set<string>();
      skipWhitespace();
      if (text[pos] === '}') {
        pos++;
        return { kind: 'object', entries };
      }
      for (;;) {
        skipWhitespace();
        const keyAt = pos;
        const key = parseString();
        if (seen.has(key)) throw new JsonSyntaxError(`duplicate key ${JSON.stringify(key)}`, keyAt);
        seen.add(key);
        skipWhitespace();
        expect(':');
        entries.push([key, parseValue(depth + 1)]);
        skipWhitespace();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        expect('}');
        return { kind: 'object', entries };
      }
    }
    if (c === '[') {
      pos++;
      const items: JsonValue[] = [];
      skipWhitespace();
      if (text[pos] === ']') {
        pos++;
        return { kind: 'array', items };
      }
      for (;;) {
        items.push(parseValue(depth + 1));
        skipWhitespace();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        expect(']');
        return { kind: 'array', items };
      }
    }
    if (c === '"') return { kind: 'string', value: parseString() };
    for (const [word, value] of [
      ['true', { kind: 'boolean', value: true }],
      ['false', { kind: 'boolean', value: false }],
      ['null', { kind: 'null' }],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return value;
      }
    }
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (m) {
      pos += m[0].length;
      return { kind: 'number', text: m[0] };
    }
    throw new JsonSyntaxError(`unexpected ${describe(text, pos)}`, pos);
  };

  const value = parseValue(0);
  skipWhitespace();
  if (pos !== text.length) throw new JsonSyntaxError(`unexpected ${describe(text, pos)} after the value`, pos);
  return value;
}

function describe(text: string, pos: number): string {
  return pos >= text.length ? 'end of input' : JSON.stringify(text[pos]);
}
