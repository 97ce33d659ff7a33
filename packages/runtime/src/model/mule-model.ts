/**
 * MULE embeddings from verified artifacts: `MuleModel.load(dir)` checks every file against the
 * manifest, refuses files without a passing verification record (unless told otherwise), reads the
 * model config and opens one ORT session; `embed` runs front-end -> slices -> backbone -> mean,
 * every stage with the parameters of config.json.
 */
import { join } from 'node:path';
import {
  MANIFEST_FILE_NAME,
  backboneFileName,
  MODEL_CONFIG_FILE_NAME,
  MuleError,
  embedPreparedClips,
  prepareClip,
  refuseUnlessVerified,
  verificationStatus,
  type ArtifactManifest,
  type BackbonePrecision,
  type LogMelSpectrogram,
  type MelSlices,
  type ModelConfig,
  type PreparedClip,
  type ShortClipMode,
  type VerificationStatus,
} from '@mule-ts/core';
import { readManifest, readModelConfig, verifyManifest } from '../artifacts/index.js';
import { loadAudio, type LoadAudioOptions, type LoadedAudio } from '../audio/index.js';
import { BackboneSession, type BackboneSessionOptions } from './backbone-session.js';
import { checkWaveform } from './waveform-input.js';

/** The artifact files `MuleModel` runs at a precision, and so the ones that must be verified. */
export function runtimeFiles(precision: BackbonePrecision = 'fp32'): string[] {
  return [MODEL_CONFIG_FILE_NAME, backboneFileName(precision)];
}

/** The files of the default (fp32) precision. */
export const RUNTIME_FILES: readonly string[] = runtimeFiles('fp32');

export interface MuleModelOptions extends BackboneSessionOptions {
  /**
   * Which backbone file to run (default 'fp32': backbone.onnx). 'fp16': backbone-fp16.onnx, written by
   * `mule convert --variants fp16`; it must have its own passing verification record.
   */
  precision?: BackbonePrecision;
  /** Check the sha256 of config.json and backbone.onnx against manifest.json before loading (default true). */
  verifyChecksums?: boolean;
  /**
   * Refuse artifacts whose manifest holds no passing verification record for the bytes of
   * config.json and backbone.onnx (default true): error UNVERIFIED, naming the command that
   * verifies them. `false` runs them anyway, with a warning through `onWarning`.
   */
  requireVerified?: boolean;
  /** Where warnings go (default: `process.emitWarning`). */
  onWarning?: (message: string) => void;
  /** Slices per backbone run (default 16). */
  batchSize?: number;
}

export interface EmbedOptions {
  /**
   * Clips under 3 s: 'faithful' (default) does what upstream does: a 2-3 s clip gives one narrower
   * slice and a clip of 2 s or less gives no slice (then `embedding` is null); 'pad' pads the mel
   * with silence to 300 frames so every clip gives at least one full slice.
   */
  shortClip?: ShortClipMode;
  /** Also return the intermediate stages (log-mel and slices), for parity debugging. */
  returnStages?: boolean;
}

export interface EmbedResult {
  /** The clip embedding: the mean of the timeline rows; null when the clip gave no slice. */
  embedding: Float32Array | null;
  /** Per-slice embeddings, (sliceCount, embeddingDim) row-major. */
  timeline: Float32Array;
  sliceCount: number;
  embeddingDim: number;
  /** Centre frame (10 ms hops) of each slice. */
  centres: number[];
  stages?: { mel: LogMelSpectrogram; slices: MelSlices };
}

export interface EmbedFileOptions extends EmbedOptions, LoadAudioOptions {}

export interface EmbedFileResult extends EmbedResult {
  audio: Omit<LoadedAudio, 'waveform16k' | 'decoded'>;
  /** The 16 kHz waveform and the decoded signal, when `returnStages`. */
  waveform16k?: Float32Array;
  decoded?: Float32Array;
}

export class MuleModel {
  private constructor(
    readonly dir: string,
    readonly config: ModelConfig,
    readonly manifest: ArtifactManifest,
    /** Whether config.json and the backbone file, as they are on disk, passed verification (and by which record). */
    readonly verification: VerificationStatus,
    private readonly session: BackboneSession,
    private readonly batchSize: number,
    /** Which backbone file runs: 'fp32' (backbone.onnx) or a variant. */
    readonly precision: BackbonePrecision,
  ) {}

  static async load(dir: string, options: MuleModelOptions = {}): Promise<MuleModel> {
    const manifestFile = join(dir, MANIFEST_FILE_NAME);
    const precision = options.precision ?? 'fp32';
    const files = runtimeFiles(precision);
    const backboneFile = backboneFileName(precision);
    const listed = await readManifest(dir);
    for (const name of files) {
      if (!Object.prototype.hasOwnProperty.call(listed.files, name)) {
        throw new MuleError('MISSING_MEMBER', `${manifestFile} lists no ${name}`, {
          file: manifestFile,
          hint:
            precision === 'fp32'
              ? 'convert the Keras file again with the ONNX export (mule convert --keras FILE --out DIR, without --no-onnx)'
              : `convert the Keras file again with the ${precision} variant (mule convert --keras FILE --out DIR --variants ${precision}), or run another --precision`,
        });
      }
    }
    // Only the files it runs: a deployment may ship without model.safetensors.
    const manifest = options.verifyChecksums === false ? listed : (await verifyManifest(dir, { files })).manifest;
    const verification = verificationStatus(manifest, files);
    refuseUnlessVerified(
      verification,
      {
        label: dir,
        file: manifestFile,
        hint: `verify them: mule verify --onnx${precision === 'fp32' ? '' : ` --precision ${precision}`} --artifacts ${dir} [--keras MODEL.keras]; or run them unverified: --allow-unverified (API: { requireVerified: false })`,
      },
      { ...(options.requireVerified === undefined ? {} : { requireVerified: options.requireVerified }), warn: options.onWarning ?? ((m: string) => process.emitWarning(m, { code: 'MULE_UNVERIFIED' })) },
    );
    const config = await readModelConfig(join(dir, MODEL_CONFIG_FILE_NAME));
    const session = await BackboneSession.open(join(dir, backboneFile), config.backbone, options);
    return new MuleModel(dir, config, manifest, verification, session, Math.max(1, options.batchSize ?? 16), precision);
  }

  get embeddingDim(): number {
    return this.config.backbone.output.shape[1];
  }

  /** Embeds one mono waveform at the model's rate (16 kHz; amplitude convention: int16 / 65536, channels summed, as upstream). */
  async embed(waveform16k: Float32Array | Float64Array, options: EmbedOptions = {}): Promise<EmbedResult> {
    const [result] = await this.embedBatch([waveform16k], options);
    return result!;
  }

  /** Embeds many clips, packing slices from all of them into large backbone batches. */
  async embedBatch(waveforms: ReadonlyArray<Float32Array | Float64Array>, options: EmbedOptions = {}): Promise<EmbedResult[]> {
    const clips = waveforms.map((w, i) => prepareClip(checkWaveform(w, waveforms.length > 1 ? `waveform ${i}` : 'waveform'), this.config, options.shortClip));
    return this.embedPrepared(clips, options);
  }

  /** Decodes an audio file as upstream does (see `loadAudio`), resamples it to 16 kHz and embeds it. */
  async embedFile(file: string, options: EmbedFileOptions = {}): Promise<EmbedFileResult> {
    const loaded = await loadAudio(file, this.config, { ...options, keepDecoded: options.returnStages === true });
    const { waveform16k, decoded, ...audio } = loaded;
    const [result] = await this.embedPrepared([prepareClip(waveform16k, this.config, options.shortClip)], options);
    return { ...result!, audio, ...(options.returnStages ? { waveform16k, decoded } : {}) };
  }

  /**
   * The backbone over clips whose front-end already ran (e.g. in worker threads): full-width
   * slices of all clips share batches.
   */
  async embedPrepared(clips: readonly PreparedClip[], options: Pick<EmbedOptions, 'returnStages'> = {}): Promise<EmbedResult[]> {
    const results = await embedPreparedClips(clips, (slices, count, width) => this.embedSlices(slices, count, width), {
      embeddingDim: this.embeddingDim,
      melBins: this.config.backbone.input.shape[2],
      fullWidth: this.sliceWidth,
      batchSize: this.batchSize,
    });
    return results.map((r, i) => {
      const clip = clips[i]!;
      return { ...r, ...(options.returnStages && clip.mel ? { stages: { mel: clip.mel, slices: clip.slices } } : {}) };
    });
  }

  /** Frames in a full slice (config.json `backbone.input.shape[3]`, 300). */
  get sliceWidth(): number {
    return this.config.backbone.input.shape[3];
  }

  /** The backbone alone on standardised slices ((count, mel bins, width) back to back): (count, D). */
  async embedSlices(slices: Float32Array, count: number, width = this.sliceWidth): Promise<Float32Array> {
    const out = new Float32Array(count * this.embeddingDim);
    const per = this.config.backbone.input.shape[2] * width;
    for (let start = 0; start < count; start += this.batchSize) {
      const n = Math.min(this.batchSize, count - start);
      const { data } = await this.session.run(slices.subarray(start * per, (start + n) * per), n, width);
      out.set(data, start * this.embeddingDim);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
