/**
 * Parses and validates a safetensors header: an 8-byte little-endian u64 N, then N bytes of
 * UTF-8 JSON starting with `{` (trailing spaces allowed). Error codes:
 * - TRUNCATED: fewer than 8 bytes, fewer than 8 + N, or a tensor reaching past the buffer;
 * - NOT_A_MODEL_FILE: N is 0 or over the 100 MB limit (the 8 bytes are no safetensors prefix);
 * - MALFORMED_JSON: bad UTF-8 or JSON, no leading `{`, a duplicate key, a malformed entry,
 *   a non-string metadata value, overlapping ranges or a hole;
 * - WRONG_DTYPE: a dtype the format does not define;
 * - WRONG_SHAPE: a byte range whose length is not dtype x shape.
 */
import { MuleError } from '../errors/mule-error.js';
import { isSafetensorsDtype } from './dtypes.js';
import { JsonSyntaxError, parseJsonStrict, type JsonValue } from './strict-json.js';
import { METADATA_KEY, describeSource, validateSafetensorsLayout, type SafetensorsTensorInfo } from './tensor-layout.js';

/** The reference implementation's limit, which keeps hostile headers from exhausting memory. */
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;
export const SAFETENSORS_LENGTH_PREFIX_BYTES = 8;

export interface SafetensorsHeader {
  /** In header order. */
  tensors: SafetensorsTensorInfo[];
  /** `__metadata__`, or {} when the header has none. */
  metadata: Record<string, string>;
  /** 8 + N: where the byte buffer starts in the file. */
  headerBytes: number;
  /** Length of the byte buffer (the sum of the tensors' byte lengths). */
  dataBytes: number;
}

export interface ParseSafetensorsHeaderOptions {
  /** Named in every error message. */
  file?: string;
  /** The whole file's size; when given, the tensors must cover the rest of the file exactly. */
  fileBytes?: number;
}

/** Reads N from the first 8 bytes and checks it against the limit (and the file size, if known). */
export function readSafetensorsHeaderLength(prefix: Uint8Array, options: ParseSafetensorsHeaderOptions = {}): number {
  const { file, fileBytes } = options;
  const where = describeSource(file);
  if (prefix.length < SAFETENSORS_LENGTH_PREFIX_BYTES) {
    throw new MuleError('TRUNCATED', `${where}: ${prefix.length} bytes, too short for the 8-byte header length of a safetensors file`, {
      file,
      expected: SAFETENSORS_LENGTH_PREFIX_BYTES,
      found: prefix.length,
    });
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, SAFETENSORS_LENGTH_PREFIX_BYTES).getBigUint64(0, true);
  if (n === 0n || n > BigInt(MAX_SAFETENSORS_HEADER_BYTES)) {
    throw new MuleError(
      'NOT_A_MODEL_FILE',
      `${where}: not a safetensors file: header length ${n} is ${n === 0n ? 'zero' : `over the ${MAX_SAFETENSORS_HEADER_BYTES}-byte limit`}`,
      { file, found: n.toString() },
    );
  }
  const headerLength = Number(n);
  const available = fileBytes ?? prefix.length;
  if (SAFETENSORS_LENGTH_PREFIX_BYTES + headerLength > available) {
    throw new MuleError(
      'TRUNCATED',
      `${where}: header length ${headerLength} needs ${SAFETENSORS_LENGTH_PREFIX_BYTES + headerLength} bytes but only ${available} are there`,
      { file, expected: SAFETENSORS_LENGTH_PREFIX_BYTES + headerLength, found: available },
    );
  }
  return headerLength;
}

/** Parses the header from `bytes`, which hold at least the first 8 + N bytes of the file. */
export function parseSafetensorsHeader(bytes: Uint8Array, options: ParseSafetensorsHeaderOptions = {}): SafetensorsHeader {
  const { file, fileBytes } = options;
  const where = describeSource(file);
  const headerLength = readSafetensorsHeaderLength(bytes, { file, fileBytes: Math.min(fileBytes ?? Infinity, bytes.length) });
  const headerBytes = SAFETENSORS_LENGTH_PREFIX_BYTES + headerLength;
  const jsonBytes = bytes.subarray(SAFETENSORS_LENGTH_PREFIX_BYTES, headerBytes);
  const malformed = (message: string, tensor?: string, cause?: unknown): MuleError =>
    new MuleError('MALFORMED_JSON', `${where}: ${message}`, { file, tensor, cause });

  if (jsonBytes[0] !== 0x7b) throw malformed(`header must start with '{' (0x7b) but starts with byte 0x${(jsonBytes[0] ?? 0).toString(16).padStart(2, '0')}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(jsonBytes);
  } catch (cause) {
    throw malformed('header is not valid UTF-8', undefined, cause);
  }
  let root: JsonValue;
  try {
    root = parseJsonStrict(text);
  } catch (cause) {
    if (cause instanceof JsonSyntaxError) throw malformed(`header is not valid JSON: ${cause.message}`, undefined, cause);
    throw cause;
  }
  if (root.kind !== 'object') throw malformed('header is not a JSON object');

  const tensors: SafetensorsTensorInfo[] = [];
  let metadata: Record<string, string> = {};
  for (const [key, value] of root.entries) {
    if (key === METADATA_KEY) metadata = parseMetadata(value, malformed);
    else tensors.push(parseTensorEntry(key, value, malformed, file));
  }
  const dataBytes = validateSafetensorsLayout(tensors, {
    file,
    dataBytes: fileBytes === undefined ? undefined : fileBytes - headerBytes,
  });
  return { tensors, metadata, headerBytes, dataBytes };
}

type Malformed = (message: string, tensor?: string) => MuleError;

function parseMetadata(value: JsonValue, malformed: Malformed): Record<string, string> {
  if (value.kind !== 'object') throw malformed(`${METADATA_KEY} must be an object of strings, found ${value.kind}`);
  const entries: Array<[string, string]> = [];
  for (const [key, v] of value.entries) {
    if (v.kind !== 'string') throw malformed(`${METADATA_KEY}.${key} must be a string, found ${v.kind}`);
    entries.push([key, v.value]);
  }
  return Object.fromEntries(entries);
}

const TENSOR_FIELDS = ['dtype', 'shape', 'data_offsets'] as const;

function parseTensorEntry(name: string, value: JsonValue, malformed: Malformed, file: string | undefined): SafetensorsTensorInfo {
  if (value.kind !== 'object') throw malformed(`tensor ${name} must be an object, found ${value.kind}`, name);
  const fields = new Map(value.entries);
  for (const key of fields.keys()) {
    if (!(TENSOR_FIELDS as readonly string[]).includes(key)) throw malformed(`tensor ${name} has an unknown field ${JSON.stringify(key)}`, name);
  }
  for (const key of TENSOR_FIELDS) if (!fields.has(key)) throw malformed(`tensor ${name} has no ${key}`, name);

  const dtype = fields.get('dtype');
  if (dtype?.kind !== 'string') throw malformed(`tensor ${name}: dtype must be a string`, name);
  if (!isSafetensorsDtype(dtype.value)) {
    throw new MuleError('WRONG_DTYPE', `${describeSource(file)}: tensor ${name} has unknown dtype ${JSON.stringify(dtype.value)}`, {
      file,
      tensor: name,
      found: dtype.value,
    });
  }
  const shape = integerArray(fields.get('shape'), `tensor ${name}: shape`, name, malformed);
  const offsets = integerArray(fields.get('data_offsets'), `tensor ${name}: data_offsets`, name, malformed);
  if (offsets.length !== 2) throw malformed(`tensor ${name}: data_offsets must be [begin, end], found ${offsets.length} numbers`, name);
  return { name, dtype: dtype.value, shape, dataOffsets: [offsets[0] as number, offsets[1] as number] };
}

function integerArray(value: JsonValue | undefined, what: string, tensor: string, malformed: Malformed): number[] {
  if (value?.kind !== 'array') throw malformed(`${what} must be an array`, tensor);
  return value.items.map((item) => {
    const n = item.kind === 'number' && /^(0|[1-9]\d*)$/.test(item.text) ? Number(item.text) : NaN;
    if (!Number.isSafeInteger(n)) {
      throw malformed(`${what} must hold non-negative integers, found ${item.kind === 'number' ? item.text : item.kind}`, tensor);
    }
    return n;
  });
}
