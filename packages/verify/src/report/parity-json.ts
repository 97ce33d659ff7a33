/** parity.json: plain JSON (Infinity and NaN as strings). */
import type { ParityResult } from '../parity/index.js';
import { VERIFY_TOOL } from '../version.js';

export const PARITY_JSON_FORMAT = 'mule-ts-parity';
export const PARITY_JSON_VERSION = 1;

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

/** The full result, as written to parity.json. */
export function parityJson(result: ParityResult): string {
  const document = { format: PARITY_JSON_FORMAT, formatVersion: PARITY_JSON_VERSION, tool: VERIFY_TOOL, ...result };
  return `${JSON.stringify(document, jsonSafe, 2)}\n`;
}
