/// <reference lib="webworker" />
/// <reference types="vite/client" />
/**
 * The model lives in this Web Worker, so the page stays responsive while it downloads, checks and
 * embeds. Messages in: {type: 'load', url, threads} | {type: 'embed', id, file}; out: progress,
 * loaded (the verification reason), refused (the reason), embedded (the result) or failed.
 */
import { resampleForModel, type BackbonePrecision, type DecodingParams } from '@mule-ts/core';
import { MuleModel, cacheStorageArtifactCache, type DecodedAudioInfo, type WebBackend } from '@mule-ts/web';
import * as ort from 'onnxruntime-web';
// onnxruntime-web's loader and WebAssembly as files of their own: the loader is also the script of
// its own worker threads, so it must not be a bundle of this worker or of the page.
import ortLoader from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.mjs?url';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';

export type WorkerRequest =
  | { type: 'load'; url: string; threads: number; precision: BackbonePrecision; backend: WebBackend | 'auto' }
  | { type: 'embed'; id: number; file: File }
  // decoded on the page (WebAudio exists only there, not in workers): upstream's mono at its rate
  | { type: 'embed-decoded'; id: number; mono: Float32Array; audio: DecodedAudioInfo }
  | BenchRequest;

/** `pnpm bench browser`: the backbone alone on `batch` synthetic slices, `runs` times after a warm-up (timing only: no verification needed). */
export interface BenchRequest {
  type: 'bench';
  url: string;
  threads: number;
  batch: number;
  runs: number;
}
export type WorkerReply =
  | { type: 'progress'; text: string }
  | { type: 'loaded'; reason: string; backend: WebBackend; backendNote: string; decoding: DecodingParams }
  | { type: 'refused'; reason: string }
  | { type: 'embedded'; id: number; seconds: number; sliceCount: number; embeddingDim: number; decoder: string; embedding: Float32Array | null; timeline: Float32Array }
  | { type: 'failed'; id: number; reason: string }
  | { type: 'bench'; seconds: number[]; threads: number }
  | { type: 'bench-failed'; reason: string };

ort.env.wasm.wasmPaths = { mjs: ortLoader, wasm: ortWasm };
const scope = self as unknown as DedicatedWorkerGlobalScope;
const reply = (message: WorkerReply): void => scope.postMessage(message);
let model: MuleModel | null = null;

async function bench(request: BenchRequest): Promise<void> {
  ort.env.wasm.numThreads = request.threads;
  const bench = await MuleModel.load(request.url, { requireVerified: false, onWarning: () => undefined, backend: 'wasm' });
  try {
    const [, , melBins, width] = bench.config.backbone.input.shape;
    const slices = Float32Array.from({ length: request.batch * melBins * width }, (_, i) => Math.sin(i * 0.37) * 1.3);
    await bench.embedSlices(slices, request.batch);
    const seconds: number[] = [];
    for (let r = 0; r < request.runs; r++) {
      const t0 = performance.now();
      await bench.embedSlices(slices, request.batch);
      seconds.push((performance.now() - t0) / 1000);
    }
    reply({ type: 'bench', seconds, threads: ort.env.wasm.numThreads ?? 1 });
  } finally {
    await bench.close();
  }
}

scope.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  if (request.type === 'bench') {
    await bench(request).catch((e: unknown) => reply({ type: 'bench-failed', reason: (e as Error).message }));
    return;
  }
  if (request.type === 'load') {
    ort.env.wasm.numThreads = request.threads;
    try {
      await model?.close();
      model = null;
      model = await MuleModel.load(request.url, {
        precision: request.precision,
        backend: request.backend,
        // downloaded once per origin: the browser's Cache API, keyed and re-checked by sha256
        cache: cacheStorageArtifactCache(),
        onProgress: (p) =>
          reply({ type: 'progress', text: p.fromCache ? `${p.file}: ${(p.totalBytes / 1e6).toFixed(1)} MB from the browser's cache` : `downloading ${p.file}: ${(p.loadedBytes / 1e6).toFixed(1)} of ${(p.totalBytes / 1e6).toFixed(1)} MB` }),
      });
      reply({ type: 'loaded', reason: model.verification.reason, backend: model.backend, backendNote: model.backendNote, decoding: model.config.decoding });
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
    const r =
      request.type === 'embed'
        ? await model.embedFile(request.file, request.file.name)
        : { ...(await model.embed(resampleForModel(request.mono, request.audio.sampleRate, model.config.resampling))), audio: request.audio };
    reply({ type: 'embedded', id: request.id, seconds: r.audio.seconds, sliceCount: r.sliceCount, embeddingDim: r.embeddingDim, decoder: r.audio.decoder, embedding: r.embedding, timeline: r.timeline });
  } catch (e) {
    reply({ type: 'failed', id: request.id, reason: (e as Error).message });
  }
};
