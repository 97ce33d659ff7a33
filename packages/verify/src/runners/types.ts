import type { NDArray } from '../npy/index.js';

/** The reference CLI's stages (packages/verify/python/README.md "Protocol"). */
export type ReferenceStage = 'resample' | 'mel' | 'slices' | 'backbone' | 'embed';

export const REFERENCE_STAGES: readonly ReferenceStage[] = ['resample', 'mel', 'slices', 'backbone', 'embed'];

/** Which input array each stage takes (the CLI flag of the same name). */
export const STAGE_INPUTS: Readonly<Record<ReferenceStage, readonly string[]>> = {
  resample: ['waveform'],
  mel: ['waveform'],
  slices: ['mel'],
  backbone: ['slices'],
  embed: ['waveform'],
};

/** Stages that evaluate the Keras model (numpy and h5py). */
export const MODEL_STAGES: ReadonlySet<ReferenceStage> = new Set(['backbone', 'embed']);

export interface ReferenceRunOptions {
  /** The .keras / .h5 file; required by 'backbone' and 'embed'. */
  keras?: string;
  /** Slices per evaluation batch (reference default 4). */
  batch?: number;
  /** Arithmetic of 'resample' and the model stages (reference default float64). */
  dtype?: 'float64' | 'float32';
  /** Rate of the input waveform in Hz (`--sr`); required by 'resample'. */
  sampleRate?: number;
}

/** manifest.json as the reference writes it (fields this package reads; the rest kept as is). */
export interface ReferenceManifest {
  tool: string;
  version: string;
  protocol: number;
  stage: string;
  ok: boolean;
  error: string | null;
  python?: { version: string; implementation: string; executable: string };
  libraries?: Record<string, string | null>;
  model?: { path: string; format: string; keras_version: string | null; layers: number } | null;
  stages?: Array<{ stage: string; seconds: number }>;
  arrays?: Array<{ name: string; file: string; shape: number[]; dtype: string; stage: string }>;
  notes?: string[];
  total_seconds?: number;
  [key: string]: unknown;
}

export interface ReferenceResult {
  arrays: Record<string, NDArray>;
  manifest: ReferenceManifest;
}

/** One way of running the reference pipeline; every runner speaks the same .npy + manifest protocol. */
export interface ReferenceRunner {
  /** 'python', 'uv' or 'pyodide'. */
  readonly name: string;
  /** One line saying what runs (interpreter path, uv, Pyodide version). */
  readonly description: string;
  /** null when the runner can run `stage`, else why not. */
  unavailableReason(stage: ReferenceStage): Promise<string | null>;
  run(stage: ReferenceStage, inputs: Record<string, NDArray>, options?: ReferenceRunOptions): Promise<ReferenceResult>;
  close(): Promise<void>;
}

/** The reference refused the input or could not run (its one-line message). */
export class ReferenceRunError extends Error {
  constructor(
    readonly runner: string,
    readonly stage: ReferenceStage,
    message: string,
    readonly manifest: ReferenceManifest | null = null,
  ) {
    super(`reference (${runner}) ${stage}: ${message}`);
    this.name = 'ReferenceRunError';
  }
}
