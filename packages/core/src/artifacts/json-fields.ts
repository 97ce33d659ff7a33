/**
 * Field-by-field reading of untrusted JSON (manifest.json, config.json, verification records):
 * every failure is a MuleError naming the file and the field, with what was expected and found.
 */
import { MuleError, type MuleErrorCode } from '../errors/mule-error.js';

export type JsonObject = Record<string, unknown>;

const SHA256_HEX = /^[0-9a-f]{64}$/;

export class JsonFields {
  constructor(
    readonly file: string,
    /** The code of a field of the wrong type or out of range. */
    private readonly code: MuleErrorCode,
  ) {}

  fail(field: string, expected: string, found: unknown, code: MuleErrorCode = this.code): never {
    throw new MuleError(code, `${this.file}: ${field} must be ${expected}, found ${describe(found)}`, { file: this.file, field, expected, found });
  }

  object(value: unknown, field: string): JsonObject {
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : this.fail(field, 'an object', value);
  }

  array(value: unknown, field: string): unknown[] {
    return Array.isArray(value) ? value : this.fail(field, 'an array', value);
  }

  string(value: unknown, field: string): string {
    return typeof value === 'string' && value.length > 0 ? value : this.fail(field, 'a non-empty string', value);
  }

  boolean(value: unknown, field: string): boolean {
    return typeof value === 'boolean' ? value : this.fail(field, 'true or false', value);
  }

  /** A finite number within [min, max]; `integer` also requires a safe integer. */
  number(value: unknown, field: string, range: { min?: number; max?: number; integer?: boolean; above?: number } = {}): number {
    const { min = -Infinity, max = Infinity, integer = false, above } = range;
    const ok = typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max && (above === undefined || value > above) && (!integer || Number.isSafeInteger(value));
    if (ok) return value;
    const bounds = [above !== undefined ? `> ${above}` : null, min > -Infinity ? `>= ${min}` : null, max < Infinity ? `<= ${max}` : null].filter(Boolean).join(' and ');
    return this.fail(field, `${integer ? 'an integer' : 'a finite number'}${bounds ? ` ${bounds}` : ''}`, value);
  }

  /** One of `allowed`: any other value is one this consumer cannot honour (UNSUPPORTED by default). */
  oneOf<T extends string | number | boolean>(value: unknown, field: string, allowed: readonly T[], code: MuleErrorCode = 'UNSUPPORTED'): T {
    if ((allowed as readonly unknown[]).includes(value)) return value as T;
    return this.fail(field, allowed.length === 1 ? JSON.stringify(allowed[0]) : `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, value, code);
  }

  sha256(value: unknown, field: string): string {
    return typeof value === 'string' && SHA256_HEX.test(value) ? value : this.fail(field, '64 lower-case hex digits', value);
  }

  /** A file format version this reader knows; another one is UNSUPPORTED, with what to do (convert again, or upgrade). */
  formatVersion(value: unknown, supported: number): number {
    if (value === supported) return supported;
    const older = typeof value === 'number' && value < supported;
    throw new MuleError('UNSUPPORTED', `${this.file}: formatVersion ${JSON.stringify(value)} is not supported (this version reads ${supported})`, {
      file: this.file,
      field: 'formatVersion',
      expected: supported,
      found: value,
      hint: older
        ? 'these artifacts were converted by an older mule-ts: convert the Keras file again (mule convert --keras FILE --out DIR)'
        : 'these artifacts were converted by a newer mule-ts: upgrade @mule-ts packages',
    });
  }

  isoDate(value: unknown, field: string): string {
    const text = this.string(value, field);
    return Number.isNaN(Date.parse(text)) ? this.fail(field, 'an ISO 8601 date', text) : text;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
