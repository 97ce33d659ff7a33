/**
 * @mule-ts/verify: stage-by-stage parity of converted MULE artifacts against an independent
 * float64 reference, and the verification records that let consumers run only what was proven.
 * @packageDocumentation
 */

// One verification, as `mule verify` runs it
export { VerifyInputError, verifyArtifacts, type VerifyHooks, type VerifyOutcome, type VerifyRequest } from './verification/index.js';

// The comparison and its result
export { runParity, type ParityOptions, type ParityResult } from './parity/run-parity.js';
export { STAGE_ORDER, type StageResult, type StageStatus } from './parity/stage-result.js';
export { DEFAULT_THRESHOLDS, FP16_THRESHOLDS, INT8_THRESHOLDS, defaultThresholds, resolveThresholds, type ParityStage, type StageThreshold } from './compare/thresholds.js';
export type { ArrayMetrics } from './compare/array-metrics.js';
export { RUNTIME_PIPELINE, type CandidateEmbedding, type CandidateModel, type CandidatePipeline } from './parity/candidate-pipeline.js';
export { readParityAudio, testSignalAudio, type ParityAudio } from './parity/read-audio.js';
export { generateTestSignal, upstreamMono, TEST_SIGNAL_DEFAULTS, type PcmAudio, type TestSignalOptions } from './parity/test-signal.js';

// The genuine upstream pipeline's outputs (upstream_dump.py, the upstream goldens)
export { DUMP_ARRAY_NAMES, DUMP_STAGE_ORDER, readUpstreamDump, runDumpParity, UpstreamDumpError, type DumpArrayName, type DumpParityOptions, type FloatArray, type UpstreamDump } from './upstream-dump/index.js';

// Backbone variants that need onnxruntime to make (calibration)
export { INT8_FILE_NAME, writeInt8Variant, type Int8Candidate, type Int8VariantOptions, type Int8VariantSummary } from './variants/int8-variant.js';

// Reports
export { renderParityTable, type TableOptions } from './report/render-table.js';
export { renderParityMarkdown } from './report/render-markdown.js';
export { parityJson } from './report/parity-json.js';
export { PARITY_JSON_FILE, PARITY_MD_FILE, writeParityReport } from './report/write-report.js';
export { closingSummary } from './report/closing-summary.js';

// The independent reference
export { RUNNER_NAMES, createReferenceRunner, type CreateRunnerOptions, type RunnerName } from './runners/create-runner.js';
export { ReferencePythonNotFoundError, findReferenceInterpreter, type FindInterpreterOptions, type ReferenceInterpreter } from './runners/find-python.js';
export { ReferenceRunError, type ReferenceManifest, type ReferenceResult, type ReferenceRunOptions, type ReferenceRunner, type ReferenceStage } from './runners/types.js';
export { REFERENCE_PYTHON_DIR } from './runners/reference-paths.js';
export { VERIFY_TOOL } from './version.js';
