/**
 * MULE embeddings from verified artifacts: `MuleModel.load(dir)` checks the manifest, reads the
 * model config and opens one ORT session; `embed` runs front-end -> slices -> backbone -> mean.
 */
import { join } from 'node:path';
import {
  BACKBONE_FILE_NAME,
  MANIFEST_FILE_NAME,
  MODEL_CONFIG_FILE_NAME,
  MuleError,
  type ArtifactManifest,
  type LogMelSpectrogram,
  type MelSlices,
  type ModelConfig,
  type ShortClipMode,
} from '@mule-ts/core';
import { readManifest, readModelConfig, verifyManifest } from '../artifacts/index.js';
import { loadAudio, type LoadAudioOptions, type LoadedAudio } from '../audio/index.js';
import { prepareClip, type PreparedClip } from './prepare-clip.js';
import { BackboneSession, type BackboneSessionOptions } from './backbone-session.js';
import { checkWaveform } from './waveform-input.js';


export interface MuleModelOptions extends BackboneSessionOptions {
  /** Check every artifact's sha256 against manifest.json before loading (default true). */
  verifyChecksums?: boolean;
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
    private readonly session: BackboneSession,
    private readonly batchSize: number,
  ) {}

  static async load(dir: string, options: MuleModelOptions = {}): Promise<MuleModel> {
    const manifest = options.verifyChecksums === false ? await readManifest(dir) : (await verifyManifest(dir)).manifest;
    for (const name of [BACKBONE_FILE_NAME, MODEL_CONFIG_FILE_NAME]) {
      if (!(name in manifest.files)) {
        throw new MuleError('MISSING_MEMBER', `${join(dir, MANIFEST_FILE_NAME)} lists no ${name}: convert the model with a converter that exports it (pnpm convert)`, {
          file: join(dir, MANIFEST_FILE_NAME),
        });
      }
    }
    const config = await readModelConfig(join(dir, MODEL_CONFIG_FILE_NAME));
    const session = await BackboneSession.open(join(dir, BACKBONE_FILE_NAME), options);
    return new MuleModel(dir, config, manifest, session, Math.max(1, options.batchSize ?? 16));
  }

  get embeddingDim(): number {
    return this.config.spec.embeddingDim;
  }

  /** Embeds one 16 kHz mono waveform (amplitude convention: int16 / 65536, channels summed, as upstream). */
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
    const loaded = await loadAudio(file, { ...options, keepDecoded: options.returnStages === true });
    const { waveform16k, decoded, ...audio } = loaded;
    const [result] = await this.embedPrepared([prepareClip(waveform16k, this.config, options.shortClip)], options);
    return { ...result!, audio, ...(options.returnStages ? { waveform16k, decoded } : {}) };
  }

  /**
   * The backbone over clips whose front-end already ran (e.g. in worker threads): full-width
   * slices of all clips share batches.
   */
  async embedPrepared(clips: readonly PreparedClip[], options: Pick<EmbedOptions, 'returnStages'> = {}): Promise<EmbedResult[]> {
    const outputs = await this.runBackbone(clips);
    return clips.map((clip, i) => this.assemble(clip, outputs[i]!, options));
  }

  /** The backbone alone on standardised slices ((count, 96, width) back to back): (count, D). */
  async embedSlices(slices: Float32Array, count: number, width = 300): Promise<Float32Array> {
    const out = new Float32Array(count * this.embeddingDim);
    const per = this.config.spec.inputShape[0] * width;
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

  /** Runs every full-width slice of every clip in shared batches; narrower slices one by one. */
  private async runBackbone(clips: readonly PreparedClip[]): Promise<Float32Array[]> {
    const dim = this.embeddingDim;
    const fullWidth = this.config.spec.inputShape[1];
    const outputs = clips.map((c) => new Float32Array(c.slices.slices.length * dim));
    const queue: Array<{ clip: number; slice: number }> = [];
    for (const [ci, c] of clips.entries()) {
      for (const [si, width] of c.slices.widths.entries()) {
        if (width === fullWidth) {
          queue.push({ clip: ci, slice: si });
        } else {
          const y = await this.embedSlices(c.slices.slices[si]!, 1, width);
          outputs[ci]!.set(y, si * dim);
        }
      }
    }
    const per = this.config.spec.inputShape[0] * fullWidth;
    for (let start = 0; start < queue.length; start += this.batchSize) {
      const part = queue.slice(start, start + this.batchSize);
      const batch = new Float32Array(part.length * per);
      part.forEach((q, i) => batch.set(clips[q.clip]!.slices.slices[q.slice]!, i * per));
      const y = await this.embedSlices(batch, part.length, fullWidth);
      part.forEach((q, i) => outputs[q.clip]!.set(y.subarray(i * dim, (i + 1) * dim), q.slice * dim));
    }
    return outputs;
  }

  private assemble(clip: PreparedClip, timeline: Float32Array, options: Pick<EmbedOptions, 'returnStages'>): EmbedResult {
    const dim = this.embeddingDim;
    const k = clip.slices.slices.length;
    let embedding: Float32Array | null = null;
    if (k > 0) {
      const sum = new Float64Array(dim);
      for (let r = 0; r < k; r++) for (let j = 0; j < dim; j++) sum[j]! += timeline[r * dim + j]!;
      embedding = Float32Array.from(sum, (v) => v / k);
    }
    return {
      embedding,
      timeline,
      sliceCount: k,
      embeddingDim: dim,
      centres: clip.slices.centres,
      ...(options.returnStages && clip.mel ? { stages: { mel: clip.mel, slices: clip.slices } } : {}),
    };
  }
}
