/**
 * manifest.json of an artifacts directory: what converted what, and the sha256 and size of
 * every artifact, so a loader can refuse a file that changed since conversion.
 */
import { MuleError } from '../errors/mule-error.js';
import { MANIFEST_FILE_NAME } from './file-names.js';

export const MANIFEST_FORMAT = 'mule-ts-artifacts';
export const MANIFEST_FORMAT_VERSION = 1;

export interface ManifestFileEntry {
  /** Lower-case hex. */
  sha256: string;
  bytes: number;
}

export interface ArtifactManifest {
  format: typeof MANIFEST_FORMAT;
  formatVersion: typeof MANIFEST_FORMAT_VERSION;
  converter: { name: string; version: string };
  source: {
    /** Basename of the converted Keras file. */
    file: string;
    sha256: string;
    bytes: number;
    /** As the Keras file records it; null when it records none. */
    kerasVersion: string | null;
  };
  /** ISO 8601. */
  createdAt: string;
  /** Keyed by file name inside the artifacts directory (e.g. "model.safetensors"). */
  files: Record<string, ManifestFileEntry>;
  parity?: unknown;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A plain file name: no directory part, so a manifest cannot point outside its directory. */
export function isArtifactFileName(name: string): boolean {
  return name.length > 0 && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

/** Pretty JSON with a final newline, as written to manifest.json. */
export function serializeManifest(manifest: ArtifactManifest): string {
  return `${JSON.stringify(validateManifest(manifest, MANIFEST_FILE_NAME), null, 2)}\n`;
}

/** Checks every field of a manifest; errors name `file` and the field. */
export function validateManifest(value: unknown, file: string): ArtifactManifest {
  const fail = (field: string, expected: string, found: unknown): never => {
    throw new MuleError('MALFORMED_JSON', `${file}: ${field} must be ${expected}, found ${JSON.stringify(found)}`, { file, expected, found });
  };
  const object = (v: unknown, field: string): Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(field, 'an object', v);
  const string = (v: unknown, field: string): string => (typeof v === 'string' && v.length > 0 ? v : fail(field, 'a non-empty string', v));
  const byteCount = (v: unknown, field: string): number =>
    typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : fail(field, 'a non-negative integer', v);
  const sha256 = (v: unknown, field: string): string => (typeof v === 'string' && SHA256_HEX.test(v) ? v : fail(field, '64 lower-case hex digits', v));

  const root = object(value, 'the manifest');
  if (root.format !== MANIFEST_FORMAT) fail('format', JSON.stringify(MANIFEST_FORMAT), root.format);
  if (root.formatVersion !== MANIFEST_FORMAT_VERSION) {
    throw new MuleError('UNSUPPORTED', `${file}: formatVersion ${JSON.stringify(root.formatVersion)} is not supported (this reader knows ${MANIFEST_FORMAT_VERSION})`, {
      file,
      expected: MANIFEST_FORMAT_VERSION,
      found: root.formatVersion,
    });
  }
  const converter = object(root.converter, 'converter');
  const source = object(root.source, 'source');
  const createdAt = string(root.createdAt, 'createdAt');
  if (Number.isNaN(Date.parse(createdAt))) fail('createdAt', 'an ISO 8601 date', createdAt);
  const files: Record<string, ManifestFileEntry> = {};
  for (const [name, entry] of Object.entries(object(root.files, 'files'))) {
    if (!isArtifactFileName(name)) fail(`files[${JSON.stringify(name)}]`, 'a plain file name', name);
    const e = object(entry, `files.${name}`);
    files[name] = { sha256: sha256(e.sha256, `files.${name}.sha256`), bytes: byteCount(e.bytes, `files.${name}.bytes`) };
  }
  const manifest: ArtifactManifest = {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_FORMAT_VERSION,
    converter: { name: string(converter.name, 'converter.name'), version: string(converter.version, 'converter.version') },
    source: {
      file: string(source.file, 'source.file'),
      sha256: sha256(source.sha256, 'source.sha256'),
      bytes: byteCount(source.bytes, 'source.bytes'),
      kerasVersion: source.kerasVersion === null ? null : string(source.kerasVersion, 'source.kerasVersion'),
    },
    createdAt,
    files,
  };
  if (root.parity !== undefined) manifest.parity = root.parity;
  return manifest;
}


/** Parses manifest.json text; errors name `file`. */
export function parseManifest(text: string, file: string): ArtifactManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new MuleError('MALFORMED_JSON', `${file}: not valid JSON: ${(cause as Error).message}`, { file, cause });
  }
  return validateManifest(value, file);
}
