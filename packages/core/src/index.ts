/**
 * @mule-ts/core: the MULE artifact contract and front-end, for every JavaScript platform.
 * @packageDocumentation
 */

// Errors
export { MuleError, isMuleError, type MuleErrorCode, type MuleErrorDetails } from './errors/index.js';

// The artifact contract: file names, manifest.json, config.json, verification records
export { BACKBONE_FILE_NAME, BACKBONE_PRECISIONS, MANIFEST_FILE_NAME, MODEL_CONFIG_FILE_NAME, SAFETENSORS_FILE_NAME, backboneFileName, type BackbonePrecision } from './artifacts/file-names.js';
export {
  MANIFEST_FORMAT,
  MANIFEST_FORMAT_VERSION,
  isArtifactFileName,
  parseManifest,
  serializeManifest,
  validateManifest,
  type ArtifactManifest,
  type ManifestFileEntry,
} from './artifacts/manifest.js';
export {
  BACKBONE_INPUT_NAME,
  BACKBONE_OUTPUT_NAME,
  MODEL_CONFIG_FORMAT,
  MODEL_CONFIG_FORMAT_VERSION,
  makeModelConfig,
  parseModelConfig,
  validateModelConfig,
  type BackboneIo,
  type ModelConfig,
} from './artifacts/model-config.js';
export type { StageRecord, StageStatusRecord, UpstreamDumpRecord, VerificationRecord } from './artifacts/verification-record.js';
export { refuseUnlessVerified, verificationStatus, type RunUnverifiedOptions, type VerificationState, type VerificationStatus } from './artifacts/verification-status.js';

// safetensors: the header format (shared by the writer and every reader) and a reader over bytes
export { SAFETENSORS_DTYPE_BYTES, isSafetensorsDtype, type SafetensorsDtype } from './safetensors/dtypes.js';
export {
  MAX_SAFETENSORS_HEADER_BYTES,
  SAFETENSORS_LENGTH_PREFIX_BYTES,
  parseSafetensorsHeader,
  readSafetensorsHeaderLength,
  type ParseSafetensorsHeaderOptions,
  type SafetensorsHeader,
} from './safetensors/parse-header.js';
export { serializeSafetensorsHeader } from './safetensors/serialize-header.js';
export { METADATA_KEY, planSafetensorsLayout, tensorByteLength, type SafetensorsTensorInfo, type SafetensorsTensorShape } from './safetensors/tensor-layout.js';
export { readSafetensorsBytes, type SafetensorsBytes } from './safetensors/safetensors-bytes.js';

// The SF-NFNet-F0 architecture
export {
  MULE_F0_OPTIONS,
  MULE_F0_PARAMETER_COUNT,
  MULE_F0_SPEC,
  SCALED_ACTIVATION_GAIN,
  buildSfNfNetSpec,
  specParameterCount,
  type BlockSpec,
  type ConvSpec,
  type FusionSpec,
  type Path,
  type PathSpec,
  type ScaledActivation,
  type SfNfNetOptions,
  type SfNfNetSpec,
  type StageSpec,
} from './spec/sfnfnet-spec.js';
export { canonicalTensors, elementCount, type CanonicalTensor, type TensorRole } from './spec/canonical-names.js';

// The front-end, every stage driven by config.json
export {
  KAISER_BEST,
  MULE_DECODING,
  MULE_FRONT_END,
  MULE_MEL_FRONT_END,
  MULE_RESAMPLING,
  MULE_SLICING,
  sliceWidth,
  type DecodingParams,
  type FrontEndParams,
  type MelFrontEndParams,
  type ResamplingParams,
  type SlicingParams,
} from './frontend/frontend-params.js';
export { LOG_MEL_NON_FINITE_VALUE, logMelSpectrogram, type LogMelSpectrogram } from './frontend/log-mel.js';
export { melFilterbank, type FilterbankParams, type MelFilterbank } from './frontend/mel-filterbank.js';
export { centredHannWindow } from './frontend/hann-window.js';
export { extractSlices, sliceCentres, type ExtractSlicesOptions, type MelSlices, type ShortClipMode } from './frontend/slicer.js';
export { prepareClip, type PreparedClip } from './frontend/prepare-clip.js';
export { prepareClipInParts, type ClipInParts, type ClipInPartsOptions } from './frontend/prepare-clip-in-parts.js';
export { clipEmbeddingOfTimeline, embedPreparedClips, type ClipEmbedding, type RunSlices, type SliceBatching } from './embedding/embed-prepared-clips.js';

// Audio: resampling as librosa/resampy, the WAV reader, upstream's amplitude convention
export { kaiserSincFilter, type KaiserSincFilter, type KaiserSincParams } from './audio/kaiser-sinc-filter.js';
export { resample, resampledLength } from './audio/resample.js';
export { librosaResampledLength, resampleForModel } from './audio/resample-for-model.js';
export { parseWavHeader, readWavPcm16, type WavFormat, type WavHeader, type WavPcm16, type WavSampleFormat } from './audio/wav-reader.js';
export { Pcm16leMonoMixer, int16ToMono } from './audio/pcm-to-mono.js';
export { mp3DeclaredLength, type Mp3DeclaredLength } from './audio/mp3-declared-length.js';

// .npy
export { decodeNpy, encodeNpy, ndarray, toNumbers, type NDArray, type NDData } from './npy/npy-codec.js';
export { NPY_HEADER_BYTES, encodeNpyFloat32, npyFloat32Header } from './npy/npy-float32.js';
