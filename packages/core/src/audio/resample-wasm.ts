/**
 * The float32 resampling loop of resample.ts run by a WebAssembly SIMD kernel
 * (resample-kernel.wat): every output the same taps in the same order with the same float32
 * rounding after each, so bit-identical to the JavaScript loop, eight outputs at a time. Our own
 * code because no library computes resampy's arithmetic; the kernel is a few dozen instructions.
 * `resampleKernel()` is null where WebAssembly SIMD is not available: resample.ts then runs its
 * JavaScript loop.
 *
 * The signal is resampled a chunk of outputs at a time: the part of x those outputs read is copied
 * into the kernel's memory and their outputs copied back, so its memory stays a few MB for any
 * length.
 */
import { RESAMPLE_KERNEL_WASM_BASE64 } from './resample-kernel-bytes.js';

/** Outputs the kernel computes per step (its four f64x2 accumulators). */
export const KERNEL_OUTPUTS = 8;

// The part of the WebAssembly API used here (every browser and Node has it; TypeScript's ES libs do not declare it).
declare const WebAssembly: {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
};

interface KernelExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  run(x: number, y: number, left: number, leftLength: number, right: number, rightLength: number, inputs: number, outputs: number, count: number): void;
}

let kernel: KernelExports | null | undefined;

/** The compiled kernel, or null where WebAssembly (with SIMD) is not available. */
export function resampleKernel(): KernelExports | null {
  if (kernel === undefined) {
    try {
      const text = atob(RESAMPLE_KERNEL_WASM_BASE64);
      const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
      kernel = WebAssembly.validate(bytes) ? (new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as KernelExports) : null;
    } catch {
      kernel = null;
    }
  }
  return kernel;
}

/** One run of outputs sharing a phase's coefficients (see resample.ts). */
export interface KernelRun {
  outputs: Int32Array;
  inputs: Int32Array;
  count: number;
  coefficients: { left: Float64Array; right: Float64Array };
}

const PAGE = 65_536;

/**
 * Places a chunk in the kernel's memory: [inputs | outputs | left | right | x window | y window].
 * `maxRun` outputs per run and `maxTaps` taps per wing at most.
 */
export class KernelChunk {
  private readonly inputsAt = 0;
  private readonly outputsAt: number;
  private readonly leftAt: number;
  private readonly rightAt: number;
  private readonly xAt: number;
  private readonly yAt: number;
  private readonly xFrom: number;
  private readonly yFrom: number;
  // Views of the per-run areas (valid while the memory does not grow: it grows only above).
  private readonly inputs: Int32Array;
  private readonly outputs: Int32Array;
  private readonly left: Float64Array;
  private readonly right: Float64Array;
  /** The chunk's outputs [yFrom, yFrom + y.length), written by the kernel and by `set`. */
  readonly y: Float32Array;

  constructor(
    private readonly k: KernelExports,
    x: Float32Array,
    xFrom: number,
    xTo: number,
    yFrom: number,
    yTo: number,
    maxRun: number,
    maxTaps: number,
  ) {
    this.outputsAt = 4 * maxRun;
    this.leftAt = 8 * maxRun; // 8-byte aligned for the float64 taps
    this.rightAt = this.leftAt + 8 * maxTaps;
    this.xAt = this.rightAt + 8 * maxTaps;
    this.yAt = this.xAt + 4 * (xTo - xFrom);
    const bytes = this.yAt + 4 * (yTo - yFrom);
    const have = k.memory.buffer.byteLength;
    if (bytes > have) k.memory.grow(Math.ceil((bytes - have) / PAGE));
    const buffer = k.memory.buffer;
    new Float32Array(buffer, this.xAt, xTo - xFrom).set(x.subarray(xFrom, xTo));
    this.y = new Float32Array(buffer, this.yAt, yTo - yFrom);
    this.inputs = new Int32Array(buffer, this.inputsAt, maxRun);
    this.outputs = new Int32Array(buffer, this.outputsAt, maxRun);
    this.left = new Float64Array(buffer, this.leftAt, maxTaps);
    this.right = new Float64Array(buffer, this.rightAt, maxTaps);
    this.xFrom = xFrom;
    this.yFrom = yFrom;
  }

  /** Outputs [first, first + count) of `run` (count a multiple of KERNEL_OUTPUTS, every tap inside the window). */
  run(run: KernelRun, first: number, count: number): void {
    const { left, right } = run.coefficients;
    this.inputs.set(run.inputs.subarray(first, first + count));
    this.outputs.set(run.outputs.subarray(first, first + count));
    this.left.set(left);
    this.right.set(right);
    // Addresses of x[0] and y[0]: before the windows when they start later (i32 arithmetic wraps).
    const x = (this.xAt - 4 * this.xFrom) | 0;
    const y = (this.yAt - 4 * this.yFrom) | 0;
    this.k.run(x, y, this.leftAt, left.length, this.rightAt, right.length, this.inputsAt, this.outputsAt, count);
  }

  /** Output t computed elsewhere. */
  set(t: number, value: number): void {
    this.y[t - this.yFrom] = value;
  }
}
