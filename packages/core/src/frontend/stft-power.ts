import FFT from 'fft.js';
import type { MelFrontEndParams } from './frontend-params.js';
import { centredHannWindow } from './hann-window.js';
import { reflectIndex } from './reflect-pad.js';

type StftParams = Pick<MelFrontEndParams, 'nFft' | 'hopLength' | 'winLength' | 'power'>;

/**
 * |STFT|^power one frame at a time, with librosa 0.9.2 `stft(center=True, pad_mode='reflect')`
 * framing: frame t is padded[t * hop, t * hop + nFft) of the signal reflect-padded by nFft / 2 on
 * each side, times the centred periodic Hann window, through a real FFT (bins 0 .. nFft / 2).
 * The padded signal is never built: samples are read through the numpy 'reflect' index map, and
 * only where the window is non-zero (400 of 2048 samples for MULE).
 *
 * Computed in float64 throughout (librosa multiplies its float64 window by the float32 frame in
 * float64 and runs numpy's float64 FFT, then stores complex64; we keep float64).
 */
export class StftPowerFrames {
  readonly nFft: number;
  readonly hopLength: number;
  readonly nBins: number;
  private readonly power: number;
  private readonly window: Float64Array;
  private readonly supportStart: number;
  private readonly supportEnd: number;
  private readonly fft: FFT;
  private readonly frame: Float64Array;
  private readonly spectrum: Float64Array;

  constructor(params: StftParams) {
    const { nFft, hopLength, winLength, power } = params;
    if (!Number.isInteger(nFft) || nFft < 4 || (nFft & (nFft - 1)) !== 0) {
      throw new RangeError(`nFft ${nFft} must be a power of two >= 4`);
    }
    if (!Number.isInteger(hopLength) || hopLength < 1) throw new RangeError(`hop length ${hopLength} must be a positive integer`);
    if (!(power > 0)) throw new RangeError(`power ${power} must be > 0`);
    this.nFft = nFft;
    this.hopLength = hopLength;
    this.nBins = nFft / 2 + 1;
    this.power = power;
    this.window = centredHannWindow(winLength, nFft);
    let start = 0;
    while (start < nFft && this.window[start] === 0) start++;
    let end = nFft;
    while (end > start && this.window[end - 1] === 0) end--;
    this.supportStart = start;
    this.supportEnd = end;
    this.fft = new FFT(nFft);
    this.frame = new Float64Array(nFft);
    this.spectrum = new Float64Array(2 * nFft);
  }

  /** librosa's frame count with center=True: 1 + floor(nSamples / hop). */
  frameCount(nSamples: number): number {
    return 1 + Math.floor(nSamples / this.hopLength);
  }

  /** How many leading samples of an `n`-sample signal frame t reads (all n once it reflects at the end). */
  samplesNeeded(t: number, n: number): number {
    const offset = t * this.hopLength - this.nFft / 2;
    const end = Math.max(offset + this.supportEnd, 1 - (offset + this.supportStart)); // reflection at 0 reads x[-i] as x[i]
    return end <= n ? end : n;
  }

  /** Writes |X_t[k]|^power for k in [0, nBins) into `out`. `signal` must be non-empty and finite. */
  computeFrame(signal: ArrayLike<number>, t: number, out: Float64Array): void {
    const n = signal.length;
    const { window, frame, supportStart, supportEnd } = this;
    const offset = t * this.hopLength - this.nFft / 2;
    const first = offset + supportStart;
    const last = offset + supportEnd - 1;
    if (first >= 0 && last < n) {
      for (let j = supportStart; j < supportEnd; j++) frame[j] = window[j]! * signal[offset + j]!;
    } else {
      for (let j = supportStart; j < supportEnd; j++) frame[j] = window[j]! * signal[reflectIndex(offset + j, n)]!;
    }
    const spec = this.spectrum;
    this.fft.realTransform(spec, frame);
    const nBins = this.nBins;
    if (this.power === 2) {
      for (let k = 0; k < nBins; k++) {
        const re = spec[2 * k]!;
        const im = spec[2 * k + 1]!;
        out[k] = re * re + im * im;
      }
    } else {
      for (let k = 0; k < nBins; k++) out[k] = Math.pow(Math.hypot(spec[2 * k]!, spec[2 * k + 1]!), this.power);
    }
  }
}
