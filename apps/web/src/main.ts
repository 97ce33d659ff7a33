/// <reference types="vite/client" />
import { MuleModel } from '@mule-ts/web';
import * as ort from 'onnxruntime-web';
// onnxruntime-web's WebAssembly and its loader as files of their own: the loader is also the
// script of its worker threads, so it must not be this page's bundle.
import ortLoader from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.mjs?url';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';

ort.env.wasm.wasmPaths = { mjs: ortLoader, wasm: ortWasm };

// Threads need a cross-origin isolated page (COOP/COEP headers); without them the WebAssembly
// runs on one thread. ?threads=N asks for N (1 forces the single-threaded path).
const requested = Number(new URLSearchParams(location.search).get('threads') ?? '0');
ort.env.wasm.numThreads = crossOriginIsolated ? requested || Math.min(4, navigator.hardwareConcurrency || 1) : 1;
(window as unknown as { muleInfo: unknown }).muleInfo = { crossOriginIsolated, threads: ort.env.wasm.numThreads };

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $('status');
$('threads').textContent = crossOriginIsolated
  ? `WebAssembly on ${ort.env.wasm.numThreads} thread(s) (the page is cross-origin isolated)`
  : 'WebAssembly on 1 thread: the page is not cross-origin isolated (serve it with COOP/COEP headers for threads)';
let model: MuleModel | null = null;

function say(text: string): void {
  status.textContent = text; // text, never HTML
}

$('load').addEventListener('click', async () => {
  const url = new URL($<HTMLInputElement>('model-url').value, location.href).toString();
  try {
    say(`loading ${url} ...`);
    model = await MuleModel.load(url, { onProgress: (p) => say(`downloading ${p.file}: ${(p.loadedBytes / 1e6).toFixed(1)} of ${(p.totalBytes / 1e6).toFixed(1)} MB`) });
    say(`model loaded: ${model.verification.reason}`);
  } catch (e) {
    say(`refused: ${(e as Error).message}`);
  }
});

$<HTMLInputElement>('files').addEventListener('change', async (event) => {
  const files = Array.from((event.target as HTMLInputElement).files ?? []);
  for (const file of files) {
    const item = document.createElement('li');
    item.textContent = `${file.name}: embedding ...`;
    $('results').append(item);
    if (!model) {
      item.textContent = `${file.name}: load a model first`;
      continue;
    }
    const r = await model.embedFile(file, file.name);
    item.textContent = `${file.name}: ${r.sliceCount} slices, embedding [${Array.from(r.embedding?.slice(0, 4) ?? []).map((v) => v.toFixed(4)).join(', ')}, ...] (${r.audio.decoder})`;
    (window as unknown as { muleResults: unknown[] }).muleResults ??= [];
    (window as unknown as { muleResults: unknown[] }).muleResults.push({ name: file.name, embedding: Array.from(r.embedding ?? []), sliceCount: r.sliceCount });
  }
});
