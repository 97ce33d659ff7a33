import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { MuleError, type ManifestFileEntry } from '@mule-ts/core';
import type { StagedOutput } from './staged-output.js';

/** Writes a small in-memory output (config, manifest) to its staged path; returns its digest. */
export async function writeStagedFile(output: StagedOutput, name: string, data: string | Uint8Array): Promise<ManifestFileEntry> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const path = output.pathFor(name);
  try {
    await writeFile(path, bytes);
  } catch (cause) {
    throw new MuleError('IO', `${path}: cannot write staged ${name}: ${(cause as Error).message}`, { file: path, cause });
  }
  return { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
}
