import { MuleError } from '@mule-ts/core';

/** Where a JSON text came from, for error messages. */
export interface JsonSource {
  file: string;
  /** The zip member or HDF5 attribute that held the text. */
  member?: string;
}

/**
 * Parses the JSON that Python's `json.dumps` writes. That is standard JSON plus the bare tokens
 * `NaN`, `Infinity` and `-Infinity` (`allow_nan=True` is the default), which `JSON.parse` rejects.
 * Inside strings the same words are ordinary text. Errors name the source and the position.
 */
export function parsePythonJson(text: string, source: JsonSource): unknown {
  const parser = new PythonJsonParser(text, source);
  const value = parser.parseDocument();
  return value;
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

class PythonJsonParser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly source: JsonSource,
  ) {}

  parseDocument(): unknown {
    this.skipWhitespace();
    const value = this.parseValue();
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail('unexpected text after the JSON value');
    return value;
  }

  private parseValue(): unknown {
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return this.parseObject();
      case '[':
        return this.parseArray();
      case '"':
        return this.parseString();
      case 't':
        return this.parseWord('true', true);
      case 'f':
        return this.parseWord('false', false);
      case 'n':
        return this.parseWord('null', null);
      case 'N':
        return this.parseWord('NaN', Number.NaN);
      case 'I':
        return this.parseWord('Infinity', Number.POSITIVE_INFINITY);
      case undefined:
        return this.fail('unexpected end of text, expected a value');
      default:
        if (c === '-' || (c >= '0' && c <= '9')) return this.parseNumber();
        return this.fail(`unexpected ${JSON.stringify(c)}, expected a value`);
    }
  }

  private parseObject(): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    this.pos++; // '{'
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail('expected a string key');
      const key = this.parseString();
      this.skipWhitespace();
      this.expect(':');
      this.skipWhitespace();
      const value = this.parseValue();
      // defineProperty, so a "__proto__" key is data and never replaces the prototype.
      Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
      } else if (c === '}') {
        this.pos++;
        return result;
      } else {
        this.fail(c === undefined ? 'unexpected end of text inside an object' : "expected ',' or '}' in an object");
      }
    }
  }

  private parseArray(): unknown[] {
    const result: unknown[] = [];
    this.pos++; // '['
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      result.push(this.parseValue());
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
      } else if (c === ']') {
        this.pos++;
        return result;
      } else {
        this.fail(c === undefined ? 'unexpected end of text inside an array' : "expected ',' or ']' in an array");
      }
    }
  }

  private parseString(): string {
    const start = this.pos;
    this.pos++; // opening quote
    let out = '';
    let runStart = this.pos;
    for (;;) {
      const code = this.text.charCodeAt(this.pos);
      if (Number.isNaN(code)) {
        this.pos = start;
        this.fail('unterminated string');
      }
      if (code === 0x22) {
        out += this.text.slice(runStart, this.pos);
        this.pos++;
        return out;
      }
      if (code < 0x20) this.fail('control character inside a string');
      if (code === 0x5c) {
        out += this.text.slice(runStart, this.pos);
        out += this.parseEscape();
        runStart = this.pos;
        continue;
      }
      this.pos++;
    }
  }

  private parseEscape(): string {
    const c = this.text[this.pos + 1];
    this.pos += 2;
    switch (c) {
      case '"':
        return '"';
      case '\\':
        return '\\';
      case '/':
        return '/';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u': {
        const hex = this.text.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          this.pos -= 2;
          this.fail('invalid \\u escape');
        }
        this.pos += 4;
        return String.fromCharCode(Number.parseInt(hex, 16));
      }
      default:
        this.pos -= 2;
        return this.fail('invalid escape in a string');
    }
  }

  private parseNumber(): number {
    const start = this.pos;
    if (this.text[this.pos] === '-') {
      this.pos++;
      if (this.text.startsWith('Infinity', this.pos)) {
        this.pos += 'Infinity'.length;
        return Number.NEGATIVE_INFINITY;
      }
    }
    const match = /^(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (match === null) {
      this.pos = start;
      return this.fail('invalid number');
    }
    this.pos += match[0].length;
    return Number(this.text.slice(start, this.pos));
  }

  private parseWord<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail(`unexpected token, expected ${word}`);
    this.pos += word.length;
    return value;
  }

  private expect(c: string): void {
    if (this.text[this.pos] !== c) this.fail(`expected '${c}'`);
    this.pos++;
  }

  private skipWhitespace(): void {
    while (WHITESPACE.has(this.text.charCodeAt(this.pos))) this.pos++;
  }

  private fail(reason: string): never {
    const before = this.text.slice(0, this.pos);
    const line = before.split('\n').length;
    const column = this.pos - before.lastIndexOf('\n');
    const near = JSON.stringify(this.text.slice(this.pos, this.pos + 24));
    const where = this.source.member === undefined ? this.source.file : `${this.source.file}, ${this.source.member}`;
    throw new MuleError(
      'MALFORMED_JSON',
      `${where}: malformed JSON at line ${line}, column ${column} (offset ${this.pos}): ${reason}, near ${near}`,
      { file: this.source.file, tensor: this.source.member, found: { offset: this.pos, line, column } },
    );
  }
}
