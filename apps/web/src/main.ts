/// <reference types="vite/client" />
import { encodeNpy } from '@mule-ts/core';
import { MuleModel } from '@mule-ts/web';
import * as ort from 'onnxruntime-web';
// onnxruntime-web's WebAssembly and its loader as files of their own: the loader is also the
// script of its worker threads, so it must not be this page's bundle.
import ortLoader from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.mjs?url';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import { drawTimeline, similarityTable } from './views.js';

ort.env.wasm.wasmPaths = { mjs: ortLoader, wasm: ortWasm };
// Threads need a cross-origin isolated page (COOP/COEP headers); without them the WebAssembly
// runs on one thread. ?threads=N asks for N (1 forces the single-threaded path).
const requested = Number(new URLSearchParams(location.search).get('threads') ?? '0');
ort.env.wasm.numThreads = crossOriginIsolated ? requested || Math.min(4, navigator.hardwareConcurrency || 1) : 1;

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
let model: MuleModel | null = null;
const state = window as unknown as { muleInfo: unknown; muleResults: Array<{ name: string; embedding: number[]; sliceCount: number }> };
state.muleInfo = { crossOriginIsolated, threads: ort.env.wasm.numThreads };
state.muleResults = [];

$('threads').textContent = crossOriginIsolated
  ? `WebAssembly on ${ort.env.wasm.numThreads} thread(s) (the page is cross-origin isolated)`
  : 'WebAssembly on 1 thread: the page is not cross-origin isolated (serve it with COOP/COEP headers for threads)';

function say(text: string): void {
  status.textContent = text; // text, never HTML: everything shown may come from files
}

$('load').addEventListener('click', async () => {
  const url = new URL($<HTMLInputElement>('model-url').value, location.href).toString();
  try {
    say(`loading ${url} ...`);
    model = await MuleModel.load(url, {
      onProgress: (p) => say(`downloading ${p.file}: ${(p.loadedBytes / 1e6).toFixed(1)} of ${(p.totalBytes / 1e6).toFixed(1)} MB`),
    });
    say(`model loaded: ${model.verification.reason}`);
  } catch (e) {
    model = null;
    say(`refused: ${(e as Error).message}`);
  }
});

$<HTMLInputElement>('files').addEventListener('change', async (event) => {
  const files = Array.from((event.target as HTMLInputElement).files ?? []);
  for (const file of files) {
    const item = document.createElement('li');
    const label = document.createElement('span');
    label.textContent = `${file.name}: waiting`;
    item.append(label);
    $('results').append(item);
    if (!model) {
      label.textContent = `${file.name}: load a model first`;
      continue;
    }
    try {
      label.textContent = `${file.name}: embedding ...`;
      const r = await model.embedFile(file, file.name);
      embedded.push({ name: file.name, embedding: r.embedding, timeline: r.timeline, sliceCount: r.sliceCount, decoder: r.audio.decoder });
      label.textContent = `${file.name}: ${r.audio.seconds.toFixed(1)} s, ${r.sliceCount} slice(s), decoded by ${r.audio.decoder === 'wav' ? 'the WAV reader (as in Node)' : 'WebAudio (not bit-identical to ffmpeg)'}`;
      if (r.sliceCount > 0) item.append(drawTimeline(r.timeline, r.sliceCount, r.embeddingDim));
      state.muleResults.push({ name: file.name, embedding: Array.from(r.embedding ?? []), sliceCount: r.sliceCount });
    } catch (e) {
      label.textContent = `${file.name}: failed: ${(e as Error).message}`;
    }
    $('similarity').replaceChildren(similarityTable(embedded));
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
