/**
 * An artifacts directory on disk: its manifest read and validated by core's contract, and every
 * listed file's size and sha256 checked against it.
 */
import { MANIFEST_FILE_NAME, MuleError, parseManifest, type ArtifactManifest, type ManifestFileEntry } from '@mule-ts/core';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { digestFile } from './file-digest.js';

export interface ManifestVerification {
  manifest: ArtifactManifest;
  /** The files whose size and sha256 matched, in the order checked. */
  verified: Array<{ name: string } & ManifestFileEntry>;
}

export async function readManifest(dir: string): Promise<ArtifactManifest> {
  const file = join(dir, MANIFEST_FILE_NAME);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new MuleError(missing ? 'MISSING_MEMBER' : 'IO', `${file}: cannot read the artifact manifest: ${(cause as Error).message}`, {
      file,
      cause,
      hint: missing
        ? `${dir} is not a converted model directory (it holds manifest.json, config.json and backbone.onnx): mule convert --keras FILE --out DIR writes one`
        : 'check the directory and its permissions',
    });
  }
  return parseManifest(text, file);
}

/**
 * Streams the sha256 of each listed file (all of the manifest's, or `files`) and compares size
 * and hash with the manifest: CHECKSUM_MISMATCH naming the file, expected and found.
 */
export async function verifyManifest(dir: string, options: { files?: readonly string[] } = {}): Promise<ManifestVerification> {
  const manifest = await readManifest(dir);
  const names = options.files ?? Object.keys(manifest.files);
  const verified: ManifestVerification['verified'] = [];
  for (const name of names) {
    const expected = Object.prototype.hasOwnProperty.call(manifest.files, name) ? manifest.files[name] : undefined;
    const file = join(dir, name);
    if (!expected) {
      throw new MuleError('MISSING_MEMBER', `${join(dir, MANIFEST_FILE_NAME)}: lists no file ${name}`, { file: join(dir, MANIFEST_FILE_NAME), expected: name });
    }
    try {
      await stat(file);
    } catch (cause) {
      throw new MuleError('MISSING_MEMBER', `${file}: listed in the manifest but missing: ${(cause as Error).message}`, { file, cause });
    }
    const found = await digestFile(file);
    if (found.bytes !== expected.bytes) {
      throw new MuleError('CHECKSUM_MISMATCH', `${file}: size ${found.bytes} bytes, the manifest expects ${expected.bytes}`, {
        file,
        expected: expected.bytes,
        found: found.bytes,
      });
    }
    if (found.sha256 !== expected.sha256) {
      throw new MuleError('CHECKSUM_MISMATCH', `${file}: sha256 ${found.sha256}, the manifest expects ${expected.sha256}`, {
        file,
        expected: expected.sha256,
        found: found.sha256,
      });
    }
    verified.push({ name, ...found });
  }
  return { manifest, verified };
}
