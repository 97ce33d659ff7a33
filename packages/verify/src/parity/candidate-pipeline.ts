/**
 * What verify checks: the mule-ts runtime, every stage run with the parameters of the artifacts'
 * config.json, behind a small interface so tests can substitute a deliberately broken resampler or
 * front-end (sabotage tests) without touching the runtime.
 */
import { extractSlices, logMelSpectrogram, resampleForModel, type BackbonePrecision, type FrontEndParams, type LogMelSpectrogram, type MelSlices } from '@mule-ts/core';
import { MuleModel } from '@mule-ts/runtime';

export interface CandidateEmbedding {
  /** (sliceCount, embeddingDim) row-major. */
  timeline: Float32Array;
  embedding: Float32Array | null;
  sliceCount: number;
  embeddingDim: number;
  /** Null when the model does not say (pipeline.onnx): the slices are then judged through the timeline. */
  centres: number[] | null;
}

/** The ONNX backbone side: `backbone.onnx` through onnxruntime-node, as users run it. */
export interface CandidateModel {
  embeddingDim: number;
  /** (count, mel bins, width) standardised slices back to back -> (count, D); null when the model takes a waveform only (pipeline.onnx). */
  embedSlices: ((slices: Float32Array, count: number, width: number) => Promise<Float32Array>) | null;
  /** The whole pipeline on a waveform at the model's rate. */
  embed(waveform: Float32Array): Promise<CandidateEmbedding>;
  close(): Promise<void>;
}

export interface CandidatePipeline {
  /** One line for the report. */
  description: string;
  /** Decoded mono audio at `sampleRate` -> the model's rate, in the input's float32 arithmetic as the runtime runs it. */
  resample(samples: Float32Array, sampleRate: number, frontEnd: FrontEndParams): Float32Array;
  logMel(waveform: Float32Array, frontEnd: FrontEndParams): LogMelSpectrogram;
  extractSlices(mel: LogMelSpectrogram, frontEnd: FrontEndParams): MelSlices;
  /** Loads the artifacts' backbone of `precision` as `MuleModel` does, without requiring a verification record (verify makes it) or re-hashing them (verify does). */
  loadModel(artifactsDir: string, precision?: BackbonePrecision): Promise<CandidateModel>;
}

export const RUNTIME_PIPELINE: CandidatePipeline = {
  description: '@mule-ts/runtime with the artifacts\' config.json (resampleForModel, logMelSpectrogram, extractSlices, MuleModel over backbone.onnx)',
  resample: (samples, sampleRate, frontEnd) => resampleForModel(samples, sampleRate, frontEnd.resampling),
  logMel: (waveform, frontEnd) => logMelSpectrogram(waveform, frontEnd.melFrontEnd),
  extractSlices: (mel, frontEnd) => extractSlices(mel.data, mel.frames, { nMels: mel.nMels, params: frontEnd.slicing }),
  async loadModel(artifactsDir, precision = 'fp32') {
    // verify checks the artifacts' bytes itself, before the run and after it.
    const model = await MuleModel.load(artifactsDir, { requireVerified: false, verifyChecksums: false, onWarning: () => undefined, precision });
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
