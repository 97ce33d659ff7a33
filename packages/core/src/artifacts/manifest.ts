/**
 * manifest.json of an artifacts directory: what converted what, the sha256 and size of every
 * artifact (so a loader can refuse a file that changed since conversion), and the verification
 * records that bind a parity run to the exact bytes it checked.
 */
import { MuleError } from '../errors/mule-error.js';
import { MANIFEST_FILE_NAME } from './file-names.js';
import { JsonFields } from './json-fields.js';
import { readVerificationRecord, type VerificationRecord } from './verification-record.js';

export const MANIFEST_FORMAT = 'mule-ts-artifacts';
export const MANIFEST_FORMAT_VERSION = 2;

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
    /**
     * Where the Keras file was when it was converted, relative to the artifacts directory
     * (forward slashes); verify uses it when no Keras file is given and its sha256 still matches.
     */
    path?: string;
    sha256: string;
    bytes: number;
    /** As the Keras file records it; null when it records none. */
    kerasVersion: string | null;
  };
  /** ISO 8601. */
  createdAt: string;
  /** Keyed by file name inside the artifacts directory (e.g. "model.safetensors"). */
  files: Record<string, ManifestFileEntry>;
  /** Verification records, oldest first; written only by complete verify runs. */
  verification: VerificationRecord[];
}

/** A plain file name: no directory part, so a manifest cannot point outside its directory. */
export function isArtifactFileName(name: string): boolean {
  return name.length > 0 && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

/** Pretty JSON with a final newline, as written to manifest.json. */
export function serializeManifest(manifest: ArtifactManifest): string {
  return `${JSON.stringify(validateManifest(manifest, MANIFEST_FILE_NAME), null, 2)}\n`;
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

/** Checks every field of a manifest; errors name `file` and the field. */
export function validateManifest(value: unknown, file: string): ArtifactManifest {
  const f = new JsonFields(file, 'MALFORMED_JSON');
  const root = f.object(value, 'the manifest');
  if (root.format !== MANIFEST_FORMAT) f.fail('format', JSON.stringify(MANIFEST_FORMAT), root.format);
  f.formatVersion(root.formatVersion, MANIFEST_FORMAT_VERSION);
  const converter = f.object(root.converter, 'converter');
  const source = f.object(root.source, 'source');
  const files: Record<string, ManifestFileEntry> = {};
  for (const [name, entry] of Object.entries(f.object(root.files, 'files'))) {
    if (!isArtifactFileName(name)) f.fail(`files[${JSON.stringify(name)}]`, 'a plain file name', name);
    const e = f.object(entry, `files.${name}`);
    files[name] = { sha256: f.sha256(e.sha256, `files.${name}.sha256`), bytes: f.number(e.bytes, `files.${name}.bytes`, { integer: true, min: 0 }) };
  }
  const verification = root.verification === undefined ? [] : f.array(root.verification, 'verification').map((r, i) => readVerificationRecord(f, r, `verification[${i}]`));
  return {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_FORMAT_VERSION,
    converter: { name: f.string(converter.name, 'converter.name'), version: f.string(converter.version, 'converter.version') },
    source: {
      file: f.string(source.file, 'source.file'),
      ...(source.path === undefined ? {} : { path: f.string(source.path, 'source.path') }),
      sha256: f.sha256(source.sha256, 'source.sha256'),
      bytes: f.number(source.bytes, 'source.bytes', { integer: true, min: 0 }),
      kerasVersion: source.kerasVersion === null ? null : f.string(source.kerasVersion, 'source.kerasVersion'),
    },
    createdAt: f.isoDate(root.createdAt, 'createdAt'),
    files,
    verification,
  };
}
