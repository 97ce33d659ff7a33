/// <reference types="vite/client" />
import { BACKBONE_PRECISIONS, MANIFEST_FILE_NAME, MODEL_CONFIG_FILE_NAME, backboneFileName, encodeNpy, parseManifest, type BackbonePrecision, type DecodingParams } from '@mule-ts/core';
import { decodeBlob, isWav, type WebBackend } from '@mule-ts/web';
import type { WorkerReply, WorkerRequest } from './embed-worker.js';
import { drawTimeline, similarityTable } from './views.js';

// Threads need a cross-origin isolated page (COOP/COEP headers); without them the WebAssembly
// runs on one thread. ?threads=N asks for N (1 forces the single-threaded path).
const requested = Number(new URLSearchParams(location.search).get('threads') ?? '0');
const threads = crossOriginIsolated ? requested || Math.min(4, navigator.hardwareConcurrency || 1) : 1;
// The model runs in a worker: the page stays responsive while it downloads and embeds.
const worker = new Worker(new URL('./embed-worker.ts', import.meta.url), { type: 'module' });
const send = (request: WorkerRequest): void => worker.postMessage(request);

interface Embedded {
  name: string;
  embedding: Float32Array | null;
  timeline: Float32Array;
  sliceCount: number;
  decoder: string;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $('status');
const embedded: Embedded[] = [];
let loaded = false;
let decoding: DecodingParams | null = null;
const state = window as unknown as {
  muleInfo: unknown;
  muleResults: Array<{ name: string; embedding: number[]; sliceCount: number }>;
  /** For `pnpm bench browser`: times the backbone on synthetic slices in the page's worker. */
  muleBench: (url: string, batch: number, runs: number) => Promise<{ seconds: number[]; threads: number }>;
};
/** For the browser tests: the page's decoding of a served file (upstream's mono at 44.1 kHz), as little-endian float32 in base64. */
(state as unknown as { muleDecode: (url: string) => Promise<{ base64: string; decoder: string; sampleRate: number }> }).muleDecode = async (url) => {
  const blob = await (await fetch(url)).blob();
  const { mono, audio } = await decodeBlob(blob, url, { decoding: decoding! });
  const bytes = new Uint8Array(mono.buffer);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { base64: btoa(binary), decoder: audio.decoder, sampleRate: audio.sampleRate };
};
let benchDone: ((m: WorkerReply) => void) | null = null;
state.muleBench = (url, batch, runs) =>
  new Promise((resolve, reject) => {
    benchDone = (m) => (m.type === 'bench' ? resolve({ seconds: m.seconds, threads: m.threads }) : m.type === 'bench-failed' ? reject(new Error(m.reason)) : undefined);
    send({ type: 'bench', url: new URL(url, location.href).toString(), threads, batch, runs });
  });
state.muleInfo = { crossOriginIsolated, threads };
state.muleResults = [];

$('threads').textContent = crossOriginIsolated
  ? `WebAssembly on ${threads} thread(s) in a worker (the page is cross-origin isolated)`
  : 'WebAssembly on 1 thread: the page is not cross-origin isolated (serve it with COOP/COEP headers for threads)';

function say(text: string): void {
  status.textContent = text; // text, never HTML: everything shown may come from files
}

const pending = new Map<number, { file: File; label: HTMLElement; item: HTMLElement }>();
let nextId = 0;

worker.onmessage = (event: MessageEvent<WorkerReply>) => {
  const m = event.data;
  if (m.type === 'bench' || m.type === 'bench-failed') benchDone?.(m);
  else if (m.type === 'progress') say(m.text);
  else if (m.type === 'loaded') {
    loaded = true;
    decoding = m.decoding;
    say(`model loaded: ${m.reason}`);
    state.muleInfo = { ...(state.muleInfo as object), backend: m.backend, backendNote: m.backendNote };
    $('threads').textContent =
      m.backend === 'webgpu'
        ? 'WebGPU, in a worker'
        : `${m.backendNote}; ${crossOriginIsolated ? `${threads} thread(s) in a worker (the page is cross-origin isolated)` : '1 thread: the page is not cross-origin isolated (serve it with COOP/COEP headers for threads)'}`;
  } else if (m.type === 'refused') {
    loaded = false;
    say(`refused: ${m.reason}`);
  } else {
    const job = pending.get(m.id);
    if (!job) return;
    pending.delete(m.id);
    const { file, label, item } = job;
    if (m.type === 'failed') {
      label.textContent = `${file.name}: failed: ${m.reason}`;
      return;
    }
    embedded.push({ name: file.name, embedding: m.embedding, timeline: m.timeline, sliceCount: m.sliceCount, decoder: m.decoder });
    label.textContent = `${file.name}: ${m.seconds.toFixed(1)} s, ${m.sliceCount} slice(s), ${decoderNote(m.decoder, file.name)}`;
    if (m.sliceCount > 0) item.append(drawTimeline(m.timeline, m.sliceCount, m.embeddingDim));
    state.muleResults.push({ name: file.name, embedding: Array.from(m.embedding ?? []), sliceCount: m.sliceCount });
    $('similarity').replaceChildren(similarityTable(embedded));
  }
};

// What each decoder means for faithfulness to upstream, per file (docs/browser-audio.md has the measurements).
function decoderNote(decoder: string, name: string): string {
  if (decoder === 'wav') return "decoded by core's WAV reader: exactly the samples the Node runtime and upstream's ffmpeg give";
  const ext = name.toLowerCase().split('.').pop() ?? '';
  if (ext === 'mp3') {
    return "decoded by the browser (WebAudio), not by ffmpeg as upstream: the same samples within one int16 step, but the encoder's end padding, which upstream keeps, is trimmed (a few hundred samples), so the last slice can differ";
  }
  if (ext === 'flac') return 'decoded by the browser (WebAudio): lossless, exactly the samples ffmpeg gives (upstream itself reads only mp3 and wav)';
  return "decoded by the browser (WebAudio), not by ffmpeg as upstream: close to, not bit-identical with, ffmpeg's samples (the browser resamples other rates to 44.1 kHz itself)";
}

/** WAV goes to the worker as a file (core's reader there); anything else is decoded here, where WebAudio exists. */
async function sendForEmbedding(id: number, file: File): Promise<void> {
  if (isWav(new Uint8Array(await file.slice(0, 12).arrayBuffer()))) {
    send({ type: 'embed', id, file });
    return;
  }
  const { mono, audio } = await decodeBlob(file, file.name, { decoding: decoding! });
  worker.postMessage({ type: 'embed-decoded', id, mono, audio } satisfies WorkerRequest, [mono.buffer]);
}

/** What each backbone file the model URL offers would download (read from its manifest). */
async function showSizes(url: string): Promise<void> {
  try {
    const manifestUrl = new URL(MANIFEST_FILE_NAME, url).toString();
    const manifest = parseManifest(await (await fetch(manifestUrl)).text(), manifestUrl);
    const offered = BACKBONE_PRECISIONS.filter((p) => manifest.files[backboneFileName(p)]).map((p) => {
      const file = backboneFileName(p);
      return `${p}: ${file} ${(manifest.files[file]!.bytes / 1e6).toFixed(1)} MB`;
    });
    $('sizes').textContent = `downloads offered: ${offered.join('; ')} (+ config.json ${((manifest.files[MODEL_CONFIG_FILE_NAME]?.bytes ?? 0) / 1e3).toFixed(0)} kB)`;
  } catch {
    $('sizes').textContent = '';
  }
}

$('load').addEventListener('click', () => {
  const url = new URL($<HTMLInputElement>('model-url').value, location.href).toString();
  const precision = $<HTMLSelectElement>('precision').value as BackbonePrecision;
  const backend = $<HTMLSelectElement>('backend').value as WebBackend | 'auto';
  loaded = false;
  say(`loading ${url} (${precision}) ...`);
  void showSizes(url.endsWith('/') ? url : `${url}/`);
  send({ type: 'load', url, threads, precision, backend });
});

$<HTMLInputElement>('files').addEventListener('change', (event) => {
  for (const file of Array.from((event.target as HTMLInputElement).files ?? [])) {
    const item = document.createElement('li');
    const label = document.createElement('span');
    item.append(label);
    $('results').append(item);
    if (!loaded) {
      label.textContent = `${file.name}: load a model first`;
      continue;
    }
    label.textContent = `${file.name}: embedding ...`;
    const id = nextId++;
    pending.set(id, { file, label, item });
    sendForEmbedding(id, file).catch((e: unknown) => {
      pending.delete(id);
      label.textContent = `${file.name}: failed: ${(e as Error).message}`;
    });
  }
});

function download(name: string, bytes: BlobPart, type: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([bytes], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

$('download-npy').addEventListener('click', () => {
  const rows = embedded.filter((e) => e.embedding);
  const dim = rows[0]?.embedding?.length ?? 0;
  const data = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => data.set(r.embedding!, i * dim));
  download('embeddings.npy', encodeNpy({ data, shape: [rows.length, dim] }) as Uint8Array<ArrayBuffer>, 'application/octet-stream');
});

$('download-jsonl').addEventListener('click', () => {
  const lines = embedded.map((e) => JSON.stringify({ file: e.name, slices: e.sliceCount, embedding: e.embedding ? Array.from(e.embedding) : null }));
  download('embeddings.jsonl', `${lines.join('\n')}\n`, 'application/jsonl');
});
