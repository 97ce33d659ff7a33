/**
 * What verify checks: the mule-ts runtime, behind a small interface so tests can substitute a
 * deliberately broken resampler or front-end (sabotage tests) without touching the runtime.
 */
import { extractSlices, logMelSpectrogram, resampleTo16k, type LogMelSpectrogram, type MelSlices } from '@mule-ts/core';
import { MuleModel } from '@mule-ts/runtime';

export interface CandidateEmbedding {
  /** (sliceCount, embeddingDim) row-major. */
  timeline: Float32Array;
  embedding: Float32Array | null;
  sliceCount: number;
  embeddingDim: number;
  centres: number[];
}

/** The ONNX backbone side: `backbone.onnx` through onnxruntime-node, as users run it. */
export interface CandidateModel {
  embeddingDim: number;
  /** (count, 96, width) standardised slices back to back -> (count, D). */
  embedSlices(slices: Float32Array, count: number, width: number): Promise<Float32Array>;
  /** The whole pipeline on a 16 kHz waveform. */
  embed(waveform: Float32Array): Promise<CandidateEmbedding>;
  close(): Promise<void>;
}

export interface CandidatePipeline {
  /** One line for the report. */
  description: string;
  /** Decoded mono audio at `sampleRate` -> 16 kHz, in the input's float32 arithmetic as the runtime runs it. */
  resampleTo16k(samples: Float32Array, sampleRate: number): Float32Array;
  logMel(waveform: Float32Array): LogMelSpectrogram;
  extractSlices(mel: LogMelSpectrogram): MelSlices;
  loadModel(artifactsDir: string): Promise<CandidateModel>;
}

export const RUNTIME_PIPELINE: CandidatePipeline = {
  description: '@mule-ts/runtime (resampleTo16k, logMelSpectrogram, extractSlices, MuleModel over backbone.onnx)',
  resampleTo16k: (samples, sampleRate) => resampleTo16k(samples, sampleRate),
  logMel: (waveform) => logMelSpectrogram(waveform),
  extractSlices: (mel) => extractSlices(mel.data, mel.frames, { nMels: mel.nMels }),
  async loadModel(artifactsDir) {
    const model = await MuleModel.load(artifactsDir);
    return {
      embeddingDim: model.embeddingDim,
      embedSlices: (slices, count, width) => model.embedSlices(slices, count, width),
      async embed(waveform) {
        const r = await model.embed(waveform);
        return { timeline: r.timeline, embedding: r.embedding, sliceCount: r.sliceCount, embeddingDim: r.embeddingDim, centres: r.centres };
      },
      close: () => model.close(),
    };
  },
};
