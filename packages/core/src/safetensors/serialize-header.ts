/**
 * Serialises a safetensors header deterministically: the 8-byte length, then compact JSON with
 * `__metadata__` first (omitted when empty) and the tensors in the given order, padded with
 * spaces so the byte buffer starts at a multiple of 8. A header this function wrote parses and
 * re-serialises to the same bytes (metadata keys that look like array indices are the exception:
 * JavaScript objects enumerate those first).
 */
import { MuleError } from '../errors/mule-error.js';
import { SAFETENSORS_LENGTH_PREFIX_BYTES } from './parse-header.js';
import { METADATA_KEY, validateSafetensorsLayout, type SafetensorsTensorInfo } from './tensor-layout.js';

const ALIGNMENT = 8;

export function serializeSafetensorsHeader(
  tensors: readonly SafetensorsTensorInfo[],
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  validateSafetensorsLayout(tensors);
  const parts: string[] = [];
  const metadataEntries = Object.entries(metadata);
  if (metadataEntries.length > 0) {
    const fields = metadataEntries.map(([key, value]) => {
      if (typeof value !== 'string') {
        throw new MuleError('MALFORMED_JSON', `safetensors metadata ${key} must be a string, found ${typeof value}`, { found: value });
      }
      return `${JSON.stringify(key)}:${JSON.stringify(value)}`;
    });
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${fields.join(',')}}`);
  }
  for (const t of tensors) {
    parts.push(
      `${JSON.stringify(t.name)}:{"dtype":${JSON.stringify(t.dtype)},"shape":[${t.shape.join(',')}],"data_offsets":[${t.dataOffsets[0]},${t.dataOffsets[1]}]}`,
    );
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const padded = Math.ceil(json.length / ALIGNMENT) * ALIGNMENT;
  const out = new Uint8Array(SAFETENSORS_LENGTH_PREFIX_BYTES + padded).fill(0x20, SAFETENSORS_LENGTH_PREFIX_BYTES + json.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, SAFETENSORS_LENGTH_PREFIX_BYTES);
  return out;
}
