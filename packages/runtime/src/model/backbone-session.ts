/**
 * One onnxruntime-node session over `backbone.onnx`, with explicit thread options. Execution details
 * stay here; the rest of the runtime sees `run(slices) -> embeddings`.
 */
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { MuleError } from '../errors/index.js';

export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface BackboneSessionOptions {
  /** Threads inside one operator (default: every core, `os.availableParallelism()`). */
  intraOpThreads?: number;
  /** Threads across operators (default 1: the backbone is a chain). */
  interOpThreads?: number;
  graphOptimizationLevel?: GraphOptimizationLevel;
}

export class BackboneSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly file: string,
    readonly inputName: string,
    readonly outputName: string,
    readonly melBins: number,
  ) {}

  static async open(file: string, options: BackboneSessionOptions = {}): Promise<BackboneSession> {
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(file, {
        intraOpNumThreads: options.intraOpThreads ?? availableParallelism(),
        interOpNumThreads: options.interOpThreads ?? 1,
        graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
        executionMode: 'sequential',
        executionProviders: ['cpu'],
      });
    } catch (cause) {
      throw new MuleError('IO', `${file}: onnxruntime cannot load the backbone: ${(cause as Error).message}`, { file, cause });
    }
    const inputName = session.inputNames[0];
    const outputName = session.outputNames[0];
    if (!inputName || !outputName || session.inputNames.length !== 1 || session.outputNames.length !== 1) {
      throw new MuleError('UNSUPPORTED', `${file}: expected a backbone with one input and one output, found inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]`, { file });
    }
    return new BackboneSession(session, file, inputName, outputName, 96);
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
    return { data, dim: data.length / count };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
