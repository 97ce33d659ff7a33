/** Writes parity.json and parity.md. */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ParityResult } from '../parity/index.js';
import { parityJson } from './parity-json.js';
import { renderParityMarkdown } from './render-markdown.js';

export const PARITY_JSON_FILE = 'parity.json';
export const PARITY_MD_FILE = 'parity.md';

/** Write to a sibling temporary file, then rename over the target: readers see old or new, never half. */
export async function writeFileAtomic(path: string, text: string | Uint8Array): Promise<void> {
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
