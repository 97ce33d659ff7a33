/**
 * A dump of the genuine upstream pipeline's stages, in either of its two layouts:
 * - `manifest.json` as python/upstream_dump.py writes it (the mule_reference protocol: an `arrays`
 *   list naming each `.npy`, its shape and dtype; `audio`, `model` and `libraries` entries);
 * - `info.json` as in shared/reference/upstream-goldens (the same array names; `shapes` by file,
 *   `audio`, `audio_sha256` and the clamped slice centres).
 * Every array is checked against what its descriptor says and against the others (slice counts,
 * embedding width, mel bins), so a damaged or mismatched dump is refused before anything is compared.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { decodeNpy, type NDArray } from '@mule-ts/core';

export const DUMP_MANIFEST_FILE = 'manifest.json';
export const DUMP_INFO_FILE = 'info.json';

/** The arrays a dump may hold, in pipeline order. */
export const DUMP_ARRAY_NAMES = ['decoded_44k', 'waveform', 'mel', 'slices', 'embeddings', 'timeline', 'clip_embedding'] as const;
export type DumpArrayName = (typeof DUMP_ARRAY_NAMES)[number];

/** A dump's arrays are float32 or float64 (checked on reading). */
export interface FloatArray {
  data: Float32Array | Float64Array;
  shape: number[];
}

export interface UpstreamDump {
  dir: string;
  /** manifest.json or info.json, absolute. */
  descriptor: string;
  layout: 'manifest' | 'info';
  /** sha256 of the descriptor's bytes. */
  descriptorSha256: string;
  /** The audio the dump was made from: the copy inside the dump when there is one. */
  audio: { name: string; path: string | null; sha256: string | null };
  /** Float arrays by name; slices always (K, mel bins, W), a trailing channel axis of 1 removed. */
  arrays: Partial<Record<DumpArrayName, FloatArray>>;
  /** Upstream's clamped slice centres, when the dump records them. */
  centres: number[] | null;
  /** Upstream libraries and versions the dump names (tool, mule, librosa, resampy, tensorflow, ...). */
  versions: Record<string, string | null>;
  /** The model file upstream ran, when the dump records it. */
  model: { path: string | null; sha256: string | null } | null;
  /** What a report should say about the dump. */
  description: string;
}

/** The dump is unusable: names the file and what is wrong. */
export class UpstreamDumpError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'UpstreamDumpError';
  }
}

const DUMP_HINT = 'point --reference at a directory written by upstream_dump.py (it holds manifest.json and the stage .npy files)';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readJson(file: string): Promise<{ value: Json; sha256: string }> {
  const bytes = await readFile(file);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (cause) {
    throw new UpstreamDumpError(`${file}: not valid JSON (${(cause as Error).message})`, DUMP_HINT);
  }
  if (!isObject(value)) throw new UpstreamDumpError(`${file}: want a JSON object`, DUMP_HINT);
  return { value, sha256: createHash('sha256').update(bytes).digest('hex') };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

const isShape = (v: unknown): v is number[] => Array.isArray(v) && v.every((d) => Number.isInteger(d) && (d as number) >= 0);
const optionalString = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const isSha256 = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

/** Reads and checks the dump in `dir`; throws UpstreamDumpError naming the file and the problem. */
export async function readUpstreamDump(dir: string): Promise<UpstreamDump> {
  const root = resolve(dir);
  let isDir = false;
  try {
    isDir = (await stat(root)).isDirectory();
  } catch {
    throw new UpstreamDumpError(`--reference ${root}: no such directory`, DUMP_HINT);
  }
  if (!isDir) throw new UpstreamDumpError(`--reference ${root}: not a directory`, DUMP_HINT);
  const manifestFile = join(root, DUMP_MANIFEST_FILE);
  const infoFile = join(root, DUMP_INFO_FILE);
  if (await isFile(manifestFile)) return readManifestLayout(root, manifestFile);
  if (await isFile(infoFile)) return readInfoLayout(root, infoFile);
  throw new UpstreamDumpError(`${root} holds neither ${DUMP_MANIFEST_FILE} nor ${DUMP_INFO_FILE}: not an upstream dump`, DUMP_HINT);
}

async function readManifestLayout(dir: string, file: string): Promise<UpstreamDump> {
  const { value: m, sha256 } = await readJson(file);
  if (m.ok === false) throw new UpstreamDumpError(`${file}: the dump failed (${String(m.error)}); it holds no complete stages`, 'run upstream_dump.py again and look at its error');
  if (!Array.isArray(m.arrays)) throw new UpstreamDumpError(`${file}: no "arrays" list: not a dump manifest`, DUMP_HINT);
  const declared = new Map<DumpArrayName, { file: string; shape: number[] }>();
  for (const [i, entry] of m.arrays.entries()) {
    if (!isObject(entry) || typeof entry.name !== 'string' || typeof entry.file !== 'string' || !isShape(entry.shape)) {
      throw new UpstreamDumpError(`${file}: arrays[${i}] wants name, file and shape`, DUMP_HINT);
    }
    if (!(DUMP_ARRAY_NAMES as readonly string[]).includes(entry.name)) continue; // other arrays are kept for people, not compared
    if (basename(entry.file) !== entry.file) throw new UpstreamDumpError(`${file}: arrays[${i}].file ${JSON.stringify(entry.file)} is not a plain file name`, DUMP_HINT);
    declared.set(entry.name as DumpArrayName, { file: entry.file, shape: entry.shape });
  }
  const audio = isObject(m.audio) ? m.audio : {};
  const audioName = optionalString(audio.file) ?? '';
  const libraries = isObject(m.libraries) ? m.libraries : {};
  const versions: Record<string, string | null> = {};
  if (typeof m.tool === 'string') versions[m.tool] = optionalString(m.version);
  for (const [name, v] of Object.entries(libraries)) versions[name] = optionalString(v);
  const model = isObject(m.model) ? { path: optionalString(m.model.path), sha256: isSha256(m.model.sha256) ? m.model.sha256 : null } : null;
  const centres = Array.isArray(m.slice_centres) && m.slice_centres.every((c) => Number.isInteger(c)) ? (m.slice_centres as number[]) : null;
  return finish(dir, {
    descriptor: file,
    layout: 'manifest',
    descriptorSha256: sha256,
    audioName,
    audioSha256: isSha256(audio.sha256) ? audio.sha256 : null,
    declared,
    centres,
    versions,
    model,
  });
}

async function readInfoLayout(dir: string, file: string): Promise<UpstreamDump> {
  const { value: info, sha256 } = await readJson(file);
  const shapes = isObject(info.shapes) ? info.shapes : null;
  if (!shapes) throw new UpstreamDumpError(`${file}: no "shapes" object: not a dump description`, DUMP_HINT);
  const declared = new Map<DumpArrayName, { file: string; shape: number[] }>();
  for (const name of DUMP_ARRAY_NAMES) {
    const entry = shapes[`${name}.npy`];
    if (entry === undefined) continue;
    const shape = Array.isArray(entry) ? entry[0] : undefined;
    if (!isShape(shape)) throw new UpstreamDumpError(`${file}: shapes["${name}.npy"] wants [shape, dtype]`, DUMP_HINT);
    declared.set(name, { file: `${name}.npy`, shape });
  }
  const centres = info.slice_centres_clamped;
  if (centres !== undefined && !(Array.isArray(centres) && centres.every((c) => Number.isInteger(c)))) {
    throw new UpstreamDumpError(`${file}: slice_centres_clamped wants a list of frame indices`, DUMP_HINT);
  }
  return finish(dir, {
    descriptor: file,
    layout: 'info',
    descriptorSha256: sha256,
    audioName: optionalString(info.audio) ?? '',
    audioSha256: isSha256(info.audio_sha256) ? info.audio_sha256 : null,
    declared,
    centres: (centres as number[] | undefined) ?? null,
    versions: {},
    model: null,
  });
}

interface Described {
  descriptor: string;
  layout: 'manifest' | 'info';
  descriptorSha256: string;
  audioName: string;
  audioSha256: string | null;
  declared: Map<DumpArrayName, { file: string; shape: number[] }>;
  centres: number[] | null;
  versions: Record<string, string | null>;
  model: UpstreamDump['model'];
}

async function finish(dir: string, d: Described): Promise<UpstreamDump> {
  const arrays: Partial<Record<DumpArrayName, FloatArray>> = {};
  for (const [name, { file, shape }] of d.declared) {
    const path = join(dir, file);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch {
      throw new UpstreamDumpError(`${path}: listed in ${basename(d.descriptor)} but missing`, 'copy the whole dump directory');
    }
    let array: NDArray;
    try {
      array = decodeNpy(bytes, path);
    } catch (e) {
      throw new UpstreamDumpError((e as Error).message, 'copy the dump again: this file is damaged');
    }
    if (array.shape.join(',') !== shape.join(',')) {
      throw new UpstreamDumpError(`${path}: shape [${array.shape.join(', ')}] differs from [${shape.join(', ')}] in ${basename(d.descriptor)}`, 'copy the dump again: its files do not belong together');
    }
    if (!(array.data instanceof Float32Array || array.data instanceof Float64Array)) {
      throw new UpstreamDumpError(`${path}: want float32 or float64 values, got ${array.data.constructor.name}`, DUMP_HINT);
    }
    const data = array.data;
    arrays[name] = { data, shape: name === 'slices' && array.shape.length === 4 && array.shape[3] === 1 ? array.shape.slice(0, 3) : array.shape };
  }
  checkConsistent(dir, arrays, d.centres);
  const audioPath = d.audioName && basename(d.audioName) === d.audioName && (await isFile(join(dir, d.audioName))) ? join(dir, d.audioName) : null;
  const versions = Object.entries(d.versions).filter(([, v]) => v !== null);
  const description =
    `genuine upstream outputs from ${dir} (${basename(d.descriptor)}${versions.length ? `; ${versions.map(([k, v]) => `${k} ${v}`).join(', ')}` : ''}; ` +
    `arrays: ${Object.keys(arrays).join(', ') || 'none'})`;
  return {
    dir,
    descriptor: d.descriptor,
    layout: d.layout,
    descriptorSha256: d.descriptorSha256,
    audio: { name: d.audioName, path: audioPath, sha256: d.audioSha256 },
    arrays,
    centres: d.centres,
    versions: d.versions,
    model: d.model,
    description,
  };
}

/** The arrays must describe one run: ranks, slice counts, mel bins and embedding width agree. */
function checkConsistent(dir: string, a: Partial<Record<DumpArrayName, FloatArray>>, centres: number[] | null): void {
  const fail = (message: string): never => {
    throw new UpstreamDumpError(`${dir}: ${message}`, 'copy the dump again: its files do not belong together');
  };
  const rank = (name: DumpArrayName, want: number, what: string): void => {
    const array = a[name];
    if (array && array.shape.length !== want) fail(`${name}.npy has shape [${array.shape.join(', ')}], want ${what}`);
  };
  rank('decoded_44k', 2, '(channels, samples)');
  rank('waveform', 1, '(samples,)');
  rank('mel', 2, '(mel bins, frames)');
  rank('slices', 3, '(slices, mel bins, width)');
  rank('embeddings', 2, '(slices, dimensions)');
  rank('timeline', 2, '(dimensions, slices)');
  rank('clip_embedding', 1, '(dimensions,)');
  const { slices, mel, embeddings, timeline, clip_embedding: clip } = a;
  if (slices && mel && slices.shape[1] !== mel.shape[0]) fail(`slices.npy has ${slices.shape[1]} mel bins, mel.npy ${mel.shape[0]}`);
  const count = slices?.shape[0] ?? embeddings?.shape[0];
  if (embeddings && count !== undefined && embeddings.shape[0] !== count) fail(`embeddings.npy has ${embeddings.shape[0]} rows for ${count} slices`);
  if (timeline && count !== undefined && timeline.shape[1] !== count) fail(`timeline.npy has ${timeline.shape[1]} columns for ${count} slices`);
  const dim = embeddings?.shape[1] ?? timeline?.shape[0];
  if (timeline && dim !== undefined && timeline.shape[0] !== dim) fail(`timeline.npy is ${timeline.shape[0]}-dimensional, embeddings.npy ${dim}`);
  if (clip && dim !== undefined && clip.shape[0] !== dim) fail(`clip_embedding.npy is ${clip.shape[0]}-dimensional, the embeddings ${dim}`);
  if (centres && count !== undefined && centres.length !== count) fail(`${centres.length} slice centres for ${count} slices`);
  for (const [name, array] of Object.entries(a)) {
    const values = array.data;
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]!)) fail(`${name}.npy holds a non-finite value at flat index ${i}`);
    }
  }
}
