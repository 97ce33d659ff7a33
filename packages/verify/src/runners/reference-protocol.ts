/**
 * The reference protocol shared by every runner: the CLI arguments of a stage, and reading back
 * the `.npy` arrays and manifest.json the stage wrote.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeNpy, type NDArray } from '../npy/index.js';
import { MODEL_STAGES, STAGE_INPUTS, type ReferenceManifest, type ReferenceRunOptions, type ReferenceStage } from './types.js';

export const REFERENCE_MANIFEST_FILE = 'manifest.json';

/** The `.npy` file name an input travels in. */
export function inputFileName(name: string): string {
  return `${name}.npy`;
}

/** `<stage> --<input> PATH ... [--sr HZ] [--keras F --batch N] [--dtype D] --out DIR` for the reference CLI. */
export function stageArguments(
  stage: ReferenceStage,
  inputPaths: Readonly<Record<string, string>>,
  options: ReferenceRunOptions,
  outDir: string,
): string[] {
  const args: string[] = [stage];
  for (const name of STAGE_INPUTS[stage]) {
    const path = inputPaths[name];
    if (path === undefined) throw new Error(`reference ${stage}: missing input '${name}' (give ${STAGE_INPUTS[stage].join(', ')})`);
    args.push(`--${name}`, path);
  }
  const extra = Object.keys(inputPaths).filter((k) => !STAGE_INPUTS[stage].includes(k));
  if (extra.length > 0) throw new Error(`reference ${stage}: unexpected input(s) ${extra.join(', ')} (takes ${STAGE_INPUTS[stage].join(', ')})`);
  if (stage === 'resample') {
    if (options.sampleRate === undefined) throw new Error('reference resample: needs the input sample rate (options.sampleRate)');
    args.push('--sr', String(options.sampleRate));
  }
  if (MODEL_STAGES.has(stage)) {
    if (!options.keras) throw new Error(`reference ${stage}: needs the Keras model file (options.keras)`);
    args.push('--keras', options.keras);
    if (options.batch !== undefined) args.push('--batch', String(options.batch));
  }
  if (options.dtype !== undefined && (stage === 'resample' || MODEL_STAGES.has(stage))) args.push('--dtype', options.dtype);
  args.push('--out', outDir);
  return args;
}

export function parseReferenceManifest(text: string, source: string): ReferenceManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new Error(`${source}: not valid JSON: ${(cause as Error).message}`);
  }
  const m = value as Partial<ReferenceManifest> | null;
  if (typeof m !== 'object' || m === null || typeof m.ok !== 'boolean' || typeof m.stage !== 'string' || !Array.isArray(m.arrays ?? [])) {
    throw new Error(`${source}: not a reference manifest (want an object with ok, stage, arrays)`);
  }
  return m as ReferenceManifest;
}

/** Decodes every array the manifest lists, reading files through `read` (disk or Pyodide's FS). */
export async function collectArrays(
  manifest: ReferenceManifest,
  read: (file: string) => Promise<Uint8Array> | Uint8Array,
  source: string,
): Promise<Record<string, NDArray>> {
  const arrays: Record<string, NDArray> = {};
  for (const entry of manifest.arrays ?? []) {
    const array = decodeNpy(await read(entry.file), `${source}/${entry.file}`);
    if (array.shape.join(',') !== entry.shape.join(',')) {
      throw new Error(`${source}/${entry.file}: shape [${array.shape}] differs from the manifest's [${entry.shape}]`);
    }
    arrays[entry.name] = array;
  }
  return arrays;
}

/** manifest.json of a finished run in `dir`, or null when the stage wrote none. */
export async function readManifestIfAny(dir: string): Promise<ReferenceManifest | null> {
  const file = join(dir, REFERENCE_MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  return parseReferenceManifest(text, file);
}
