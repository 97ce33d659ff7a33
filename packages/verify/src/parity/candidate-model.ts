/** Which model verify runs as the candidate: pipeline.onnx (--pipeline), or the backbone file of the precision. */
import { PIPELINE_FILE_NAME } from '@mule-ts/convert';
import { backboneFileName, type BackbonePrecision } from '@mule-ts/core';
import type { CandidateModel, CandidatePipeline } from './candidate-pipeline.js';
import { loadPipelineCandidate } from './pipeline-candidate.js';

export interface CandidateChoice {
  pipelineOnnx?: boolean;
  precision?: BackbonePrecision;
}

/** The file the candidate runs. */
export function candidateFileName(choice: CandidateChoice): string {
  return choice.pipelineOnnx ? PIPELINE_FILE_NAME : backboneFileName(choice.precision ?? 'fp32');
}

/** Loads the candidate from `artifactsDir`: pipeline.onnx, or the backbone through `pipeline`'s loader. */
export function loadCandidateModel(pipeline: CandidatePipeline, artifactsDir: string, choice: CandidateChoice): Promise<CandidateModel> {
  return choice.pipelineOnnx ? loadPipelineCandidate(artifactsDir) : pipeline.loadModel(artifactsDir, choice.precision ?? 'fp32');
}
