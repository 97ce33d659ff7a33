/** Writes parity.json and parity.md, and records the summary in the artifacts' manifest.json. */
import { MANIFEST_FILE_NAME } from '@mule-ts/core';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readManifest } from '@mule-ts/runtime';
import type { ParityResult } from '../parity/index.js';
import { parityJson, paritySummary } from './parity-json.js';
import { renderParityMarkdown } from './render-markdown.js';

export const PARITY_JSON_FILE = 'parity.json';
export const PARITY_MD_FILE = 'parity.md';

/** Write to a sibling temporary file, then rename over the target: readers see old or new, never half. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}

export async function writeParityReport(result: ParityResult, outDir: string): Promise<{ json: string; markdown: string }> {
  await mkdir(outDir, { recursive: true });
  const json = join(outDir, PARITY_JSON_FILE);
  const markdown = join(outDir, PARITY_MD_FILE);
  await writeFileAtomic(json, parityJson(result));
  await writeFileAtomic(markdown, renderParityMarkdown(result));
  return { json, markdown };
}

/**
 * Sets `parity` in `<artifactsDir>/manifest.json`, keeping every other field as written (including
 * ones this version does not know). The manifest lists the artifacts' sha256, never its own, so
 * rewriting it invalidates no checksum.
 */
export async function recordParityInManifest(artifactsDir: string, result: ParityResult): Promise<string> {
  const manifest = await readManifest(artifactsDir); // validates
  const file = join(artifactsDir, MANIFEST_FILE_NAME);
  if (Object.prototype.hasOwnProperty.call(manifest.files, MANIFEST_FILE_NAME)) {
    throw new Error(`${file} lists its own checksum; rewriting it would break that entry`);
  }
  const raw = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  raw.parity = paritySummary(result);
  await writeFileAtomic(file, `${JSON.stringify(raw, null, 2)}\n`);
  return file;
}
