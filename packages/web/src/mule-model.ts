/**
 * MULE in a browser (or any JavaScript runtime with fetch and WebAssembly): the same shape as the
 * Node runtime's `MuleModel` (`load`, `embed`, `embedFile`), on onnxruntime-web's WebAssembly
 * backend. Artifacts come from a static URL, checked and refused as in Node (see fetch-artifacts.ts);
 * the front-end is @mule-ts/core's, the same code the Node runtime runs.
 */
import {
  MuleError,
  embedPreparedClips,
  int16ToMono,
  prepareClip,
  readWavPcm16,
  resampleForModel,
  type ArtifactManifest,
  type BackbonePrecision,
  type ClipEmbedding,
  type ModelConfig,
  type VerificationStatus,
} from '@mule-ts/core';
import * as ort from 'onnxruntime-web';
import { fetchArtifacts, type FetchArtifactsOptions } from './fetch-artifacts.js';

/** Where the backbone runs: WebGPU, or onnxruntime-web's WebAssembly (SIMD, threads when cross-origin isolated). */
export type WebBackend = 'webgpu' | 'wasm';

export interface WebModelOptions extends FetchArtifactsOptions {
  /** Full-width slices per backbone run (default 8). */
  batchSize?: number;
  /**
   * 'auto' (default): WebGPU when the browser offers an adapter and the session opens on it, else
   * WebAssembly (the reason is in `backendNote`); 'webgpu' fails rather than fall back; 'wasm'.
   */
  backend?: WebBackend | 'auto';
  /** More onnxruntime-web session options (the execution provider comes from `backend`). */
  session?: ort.InferenceSession.SessionOptions;
}

export interface DecodedAudioInfo {
  /** 'wav': core's WAV reader, exactly the Node path; 'webaudio': the browser's decoder, not bit-identical to ffmpeg. */
  decoder: 'wav' | 'webaudio';
  sampleRate: number;
  channelCount: number;
  seconds: number;
  warnings: string[];
}

export class MuleModel {
  private constructor(
    readonly baseUrl: string,
    readonly config: ModelConfig,
    readonly manifest: ArtifactManifest,
    readonly verification: VerificationStatus,
    readonly precision: BackbonePrecision,
    /** Where the backbone runs. */
    readonly backend: WebBackend,
    /** Why it runs there (e.g. why WebGPU was not used). */
    readonly backendNote: string,
    private readonly session: ort.InferenceSession,
    private readonly batchSize: number,
  ) {}

  /** Fetches, checks and opens the artifacts at `baseUrl` (a directory written by mule convert, served as is). */
  static async load(baseUrl: string, options: WebModelOptions = {}): Promise<MuleModel> {
    const artifacts = await fetchArtifacts(baseUrl, options);
    const opened = await openSession(artifacts.backbone, options.backend ?? 'auto', options.session ?? {});
    return new MuleModel(baseUrl, artifacts.config, artifacts.manifest, artifacts.verification, options.precision ?? 'fp32', opened.backend, opened.note, opened.session, Math.max(1, options.batchSize ?? 8));
  }

  get embeddingDim(): number {
    return this.config.backbone.output.shape[1];
  }

  /** Embeds one mono waveform at 16 kHz in upstream's amplitude convention (int16 / 65536, channels summed). */
  async embed(waveform16k: Float32Array | Float64Array): Promise<ClipEmbedding> {
    const clip = prepareClip(waveform16k, this.config);
    const [result] = await embedPreparedClips([clip], (slices, count, width) => this.runSlices(slices, count, width), {
      embeddingDim: this.embeddingDim,
      melBins: this.config.backbone.input.shape[2],
      fullWidth: this.config.backbone.input.shape[3],
      batchSize: this.batchSize,
    });
    return result!;
  }

  /** Decodes `file` (WAV exactly as in Node; other formats with WebAudio), resamples it to 16 kHz and embeds it. */
  async embedFile(file: Blob, name = 'audio'): Promise<ClipEmbedding & { audio: DecodedAudioInfo }> {
    const { mono, audio } = await decodeBlob(file, name, this.config);
    const waveform = resampleForModel(mono, audio.sampleRate, this.config.resampling);
    return { ...(await this.embed(waveform)), audio };
  }

  async close(): Promise<void> {
    await this.session.release();
  }

  /** The backbone alone on standardised slices ((count, mel bins, width) back to back): (count, D), as in the Node runtime. */
  async embedSlices(slices: Float32Array, count: number, width = this.config.backbone.input.shape[3]): Promise<Float32Array> {
    return this.runSlices(slices, count, width);
  }

  private async runSlices(slices: Float32Array, count: number, width: number): Promise<Float32Array> {
    const [, channels, melBins] = this.config.backbone.input.shape;
    const input = new ort.Tensor('float32', slices, [count, channels, melBins, width]);
    const out = await this.session.run({ [this.config.backbone.input.name]: input });
    return out[this.config.backbone.output.name]!.data as Float32Array;
  }
}

interface OpenedSession {
  session: ort.InferenceSession;
  backend: WebBackend;
  note: string;
}

/** Why WebGPU cannot be used here, or null when an adapter is offered. */
async function webGpuUnavailable(): Promise<string | null> {
  const gpu = (globalThis.navigator as { gpu?: { requestAdapter(): Promise<unknown> } } | undefined)?.gpu;
  if (!gpu) return 'this browser has no WebGPU (navigator.gpu is absent)';
  try {
    return (await gpu.requestAdapter()) ? null : 'WebGPU offers no adapter here (no usable GPU)';
  } catch (e) {
    return `WebGPU's adapter request failed (${(e as Error).message})`;
  }
}

async function openSession(model: Uint8Array, backend: WebBackend | 'auto', extra: ort.InferenceSession.SessionOptions): Promise<OpenedSession> {
  const open = (provider: WebBackend): Promise<ort.InferenceSession> => ort.InferenceSession.create(model, { ...extra, executionProviders: [provider] });
  if (backend === 'wasm') return { session: await open('wasm'), backend: 'wasm', note: 'WebAssembly, as asked' };
  const unavailable = await webGpuUnavailable();
  if (unavailable === null) {
    try {
      return { session: await open('webgpu'), backend: 'webgpu', note: 'WebGPU' };
    } catch (e) {
      if (backend === 'webgpu') throw new MuleError('UNSUPPORTED', `the model did not open on WebGPU: ${(e as Error).message}`, { hint: "use backend: 'auto' or 'wasm'" });
      return { session: await open('wasm'), backend: 'wasm', note: `WebAssembly: the model did not open on WebGPU (${(e as Error).message})` };
    }
  }
  if (backend === 'webgpu') throw new MuleError('UNSUPPORTED', `WebGPU was asked for, but ${unavailable}`, { hint: "use backend: 'auto' or 'wasm'" });
  return { session: await open('wasm'), backend: 'wasm', note: `WebAssembly: ${unavailable}` };
}

/** Whether these leading bytes (12 are enough) are a RIFF/WAVE header: such files go through core's WAV reader. */
export function isWav(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && String.fromCharCode(...bytes.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...bytes.subarray(8, 12)) === 'WAVE';
}

/** The decoded mono signal in upstream's convention, at its decoded rate. */
export async function decodeBlob(file: Blob, name: string, config: Pick<ModelConfig, 'decoding'>): Promise<{ mono: Float32Array; audio: DecodedAudioInfo }> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (bytes.length === 0) throw new MuleError('INVALID_INPUT', `${name}: the file is empty`, { file: name });
  const { decoding } = config;
  if (isWav(bytes)) {
    const wav = readWavPcm16(bytes, name, decoding.maxSeconds);
    const warnings = wav.truncated ? [`${name}: the WAV file is shorter than its header declares; embedded what it holds`] : [];
    return {
      mono: int16ToMono(wav.samples, wav.format.channelCount, decoding.int16Scale),
      audio: { decoder: 'wav', sampleRate: wav.format.sampleRate, channelCount: wav.format.channelCount, seconds: wav.frames / wav.format.sampleRate, warnings },
    };
  }
  const Context = (globalThis as { OfflineAudioContext?: typeof OfflineAudioContext }).OfflineAudioContext;
  if (!Context) {
    throw new MuleError('UNSUPPORTED', `${name}: decoding anything but WAV needs WebAudio (a browser)`, { file: name, hint: 'give a WAV file, or decode it yourself and call embed(waveform16k)' });
  }
  // The browser resamples to the context's rate while decoding: 44.1 kHz, what ffmpeg decodes to for upstream.
  const buffer = await new Context(1, 1, decoding.sampleRate).decodeAudioData(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  const frames = Math.min(buffer.length, Math.round(decoding.maxSeconds * buffer.sampleRate));
  const mono = new Float32Array(frames);
  // A float sample x is the int16 value 32768 x; upstream divides int16 by int16Scale and sums channels.
  const scale = 32768 / decoding.int16Scale;
  for (let c = 0; c < buffer.numberOfChannels; c++) {
    const channel = buffer.getChannelData(c);
    for (let i = 0; i < frames; i++) mono[i]! += Math.max(-32768, Math.min(32767, Math.round(channel[i]! * 32768))) / 32768 * scale;
  }
  return {
    mono,
    audio: {
      decoder: 'webaudio',
      sampleRate: buffer.sampleRate,
      channelCount: buffer.numberOfChannels,
      seconds: frames / buffer.sampleRate,
      warnings: [`${name}: decoded by the browser (WebAudio), not by ffmpeg as upstream: close to, not bit-identical with, upstream's samples`],
    },
  };
}
