/**
 * pipeline.onnx as verify's candidate: a 16 kHz waveform in, the timeline and the clip embedding
 * out, run by onnxruntime-node exactly as any ONNX runtime would run the file. It has no separate
 * backbone input: its backbone is judged end to end (timeline, embedding).
 */
import { join } from 'node:path';
import { PIPELINE_EMBEDDING_NAME, PIPELINE_FILE_NAME, PIPELINE_INPUT_NAME, PIPELINE_TIMELINE_NAME } from '@mule-ts/convert';
import { MODEL_CONFIG_FILE_NAME } from '@mule-ts/core';
import { readModelConfig } from '@mule-ts/runtime';
import * as ort from 'onnxruntime-node';
import type { CandidateModel } from './candidate-pipeline.js';

export async function loadPipelineCandidate(artifactsDir: string): Promise<CandidateModel> {
  const config = await readModelConfig(join(artifactsDir, MODEL_CONFIG_FILE_NAME));
  const session = await ort.InferenceSession.create(join(artifactsDir, PIPELINE_FILE_NAME), { executionMode: 'sequential', interOpNumThreads: 1 });
  return {
    embeddingDim: config.backbone.output.shape[1],
    embedSlices: null,
    async embed(waveform) {
      const out = await session.run({ [PIPELINE_INPUT_NAME]: new ort.Tensor('float32', Float32Array.from(waveform), [1, waveform.length]) });
      const timeline = out[PIPELINE_TIMELINE_NAME]!;
      const embedding = out[PIPELINE_EMBEDDING_NAME]!.data as Float32Array;
      const [sliceCount, dim] = timeline.dims as [number, number];
      return { timeline: timeline.data as Float32Array, embedding: sliceCount > 0 ? embedding : null, sliceCount, embeddingDim: dim, centres: null };
    },
    close: () => session.release(),
  };
}
