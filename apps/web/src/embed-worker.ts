/// <reference lib="webworker" />
/// <reference types="vite/client" />
/**
 * The model lives in this Web Worker, so the page stays responsive while it downloads, checks and
 * embeds. Messages in: {type: 'load', url, threads} | {type: 'embed', id, file}; out: progress,
 * loaded (the verification reason), refused (the reason), embedded (the result) or failed.
 */
import type { BackbonePrecision } from '@mule-ts/core';
import { MuleModel, type WebBackend } from '@mule-ts/web';
import * as ort from 'onnxruntime-web';
// onnxruntime-web's loader and WebAssembly as files of their own: the loader is also the script of
// its own worker threads, so it must not be a bundle of this worker or of the page.
import ortLoader from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.mjs?url';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';

export type WorkerRequest = { type: 'load'; url: string; threads: number; precision: BackbonePrecision; backend: WebBackend | 'auto' } | { type: 'embed'; id: number; file: File };
export type WorkerReply =
  | { type: 'progress'; text: string }
  | { type: 'loaded'; reason: string; backend: WebBackend; backendNote: string }
  | { type: 'refused'; reason: string }
  | { type: 'embedded'; id: number; seconds: number; sliceCount: number; embeddingDim: number; decoder: string; embedding: Float32Array | null; timeline: Float32Array }
  | { type: 'failed'; id: number; reason: string };

ort.env.wasm.wasmPaths = { mjs: ortLoader, wasm: ortWasm };
const scope = self as unknown as DedicatedWorkerGlobalScope;
const reply = (message: WorkerReply): void => scope.postMessage(message);
let model: MuleModel | null = null;

scope.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  if (request.type === 'load') {
    ort.env.wasm.numThreads = request.threads;
    try {
      await model?.close();
      model = null;
      model = await MuleModel.load(request.url, {
        precision: request.precision,
        backend: request.backend,
        onProgress: (p) => reply({ type: 'progress', text: `downloading ${p.file}: ${(p.loadedBytes / 1e6).toFixed(1)} of ${(p.totalBytes / 1e6).toFixed(1)} MB` }),
      });
      reply({ type: 'loaded', reason: model.verification.reason, backend: model.backend, backendNote: model.backendNote });
    } catch (e) {
      reply({ type: 'refused', reason: (e as Error).message });
    }
    return;
  }
  if (!model) {
    reply({ type: 'failed', id: request.id, reason: 'load a model first' });
    return;
  }
  try {
    const r = await model.embedFile(request.file, request.file.name);
    reply({ type: 'embedded', id: request.id, seconds: r.audio.seconds, sliceCount: r.sliceCount, embeddingDim: r.embeddingDim, decoder: r.audio.decoder, embedding: r.embedding, timeline: r.timeline });
  } catch (e) {
    reply({ type: 'failed', id: request.id, reason: (e as Error).message });
  }
};
