/**
 * One onnxruntime-node session over `backbone.onnx`, with explicit thread options. Execution details
 * stay here; the rest of the runtime sees `run(slices) -> embeddings`.
 */
import { MuleError, type BackboneIo } from '@mule-ts/core';
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';

export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface BackboneSessionOptions {
  /** Threads inside one operator (default: every core, `os.availableParallelism()`). */
  intraOpThreads?: number;
  /** Threads across operators (default 1: the backbone is a chain). */
  interOpThreads?: number;
  graphOptimizationLevel?: GraphOptimizationLevel;
  /**
   * Let idle intra-op threads spin between operators (ORT `session.intra_op.allow_spinning`).
   * Default false: on a quiet machine it is within noise of spinning, and on a loaded one
   * (other processes on the same cores) spinning threads steal the cores the work needs.
   */
  allowSpinning?: boolean;
}

/**
 * MLAS's NCHWc 1×1 conv accumulates its input channels in batches of 128 by default
 * (`mlas.nchwc_pointwise_conv_max_input_channel_batch`); the backbone's 1×1 convs take 512 to 4608
 * channels, and batches of 1024 pass over the output fewer times. Side by side (interleaved rounds,
 * batch 8, 2 cores) it took 1-4% less CPU time per slice in five comparisons out of six, never
 * measurably more. Versions of ORT without the key ignore it.
 */
export const POINTWISE_CONV_CHANNEL_BATCH = 1024;

/** The resolved thread and optimisation settings a backbone session runs with. */
export interface BackboneSessionSettings {
  intraOpThreads: number;
  interOpThreads: number;
  graphOptimizationLevel: GraphOptimizationLevel;
  allowSpinning: boolean;
}

export function resolveBackboneSessionSettings(options: BackboneSessionOptions = {}): BackboneSessionSettings {
  return {
    intraOpThreads: options.intraOpThreads ?? availableParallelism(),
    interOpThreads: options.interOpThreads ?? 1,
    graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
    allowSpinning: options.allowSpinning ?? false,
  };
}

/** ORT session options for these settings (also used by the benchmark's matmul reference). */
export function ortSessionOptions(options: BackboneSessionOptions = {}): ort.InferenceSession.SessionOptions {
  const s = resolveBackboneSessionSettings(options);
  return {
    intraOpNumThreads: s.intraOpThreads,
    interOpNumThreads: s.interOpThreads,
    graphOptimizationLevel: s.graphOptimizationLevel,
    executionMode: 'sequential',
    executionProviders: ['cpu'],
    extra: {
      session: { intra_op: { allow_spinning: s.allowSpinning ? '1' : '0' } },
      mlas: { nchwc_pointwise_conv_max_input_channel_batch: String(POINTWISE_CONV_CHANNEL_BATCH) },
    },
  };
}

export class BackboneSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly file: string,
    readonly inputName: string,
    readonly outputName: string,
    readonly melBins: number,
    readonly embeddingDim: number,
    /** The thread and optimisation settings this session runs with. */
    readonly settings: BackboneSessionSettings,
  ) {}

  /** Opens `file`; `io` (config.json's `backbone`) names and shapes its one input and one output. */
  static async open(file: string, io: BackboneIo, options: BackboneSessionOptions = {}): Promise<BackboneSession> {
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(file, ortSessionOptions(options));
    } catch (cause) {
      throw new MuleError('IO', `${file}: onnxruntime cannot load the backbone: ${(cause as Error).message}`, { file, cause });
    }
    const inputName = session.inputNames[0];
    const outputName = session.outputNames[0];
    if (session.inputNames.length !== 1 || session.outputNames.length !== 1 || inputName !== io.input.name || outputName !== io.output.name) {
      await session.release();
      throw new MuleError(
        'UNSUPPORTED',
        `${file}: expected a backbone with input ${io.input.name} and output ${io.output.name} (config.json backbone), found inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]`,
        { file, field: 'backbone', expected: io, found: { inputs: session.inputNames, outputs: session.outputNames } },
      );
    }
    return new BackboneSession(session, file, inputName, outputName, io.input.shape[2], io.output.shape[1], resolveBackboneSessionSettings(options));
  }

  /**
   * Embeds `count` slices of `melBins` x `width` frames laid out back to back (NCHW with C = 1).
   * Returns (count, D) row-major.
   */
  async run(slices: Float32Array, count: number, width: number): Promise<{ data: Float32Array; dim: number }> {
    if (slices.length !== count * this.melBins * width) {
      throw new MuleError('WRONG_SHAPE', `backbone input holds ${slices.length} values, expected ${count} x 1 x ${this.melBins} x ${width}`, {
        tensor: this.inputName,
      });
    }
    const input = new ort.Tensor('float32', slices, [count, 1, this.melBins, width]);
    const out = await this.session.run({ [this.inputName]: input });
    const y = out[this.outputName]!;
    const data = y.data as Float32Array;
    if (y.type !== 'float32' || data.length !== count * this.embeddingDim) {
      throw new MuleError('WRONG_SHAPE', `${this.file}: the backbone gave ${y.type} [${y.dims.join(', ')}], expected float32 [${count}, ${this.embeddingDim}] (config.json backbone.output)`, {
        file: this.file,
        tensor: this.outputName,
        expected: [count, this.embeddingDim],
        found: y.dims,
      });
    }
    return { data, dim: this.embeddingDim };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
