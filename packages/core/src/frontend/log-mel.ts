import { MuleError } from '../errors/mule-error.js';
import type { MelFrontEndParams } from './frontend-params.js';
import { melFilterbank, type MelFilterbank } from './mel-filterbank.js';
import { StftPowerFrames } from './stft-power.js';

/** A log-mel spectrogram: `data[m * frames + t]` is mel band m at frame t ((nMels, frames) row-major, C order). */
export interface LogMelSpectrogram {
  nMels: number;
  frames: number;
  data: Float32Array;
}

/** What upstream writes for nan/inf after compression (float32 of -9999999999.0). */
export const LOG_MEL_NON_FINITE_VALUE = -9999999999.0;

/**
 * The upstream MULE mel front-end (`MelSpectrogram` on librosa 0.9.2 `feature.melspectrogram`):
 * 16 kHz waveform -> |STFT|^2 (reflect-centred, Hann 400 in 2048, hop 160) -> L2-normalised HTK mel
 * filterbank -> log10(10000 * mel + 1), nan/inf -> -9999999999.0. Frames: 1 + floor(n / 160).
 *
 * Precision. Upstream stores the waveform as float32 (its feature memmap), so the input is rounded
 * to float32 first, as upstream does. The filterbank is librosa's float32 one. Everything else is
 * float64 here, where librosa rounds to complex64 after its float64 FFT and then works in float32
 * (|X| and its square, the einsum with the float32 filterbank, log10): those roundings move the
 * log-mel by ~1e-7 relative, far under the 1e-4 parity bound, so we keep the float64 values and
 * round once, at the output.
 *
 * The waveform must be non-empty (numpy cannot reflect-pad an empty signal) and finite (librosa
 * rejects a non-finite buffer). A signal shorter than nFft / 2 is reflected repeatedly, as numpy does.
 */
export function logMelSpectrogram(
  waveform: Float32Array | Float64Array,
  params: Readonly<MelFrontEndParams>,
): LogMelSpectrogram {
  const signal = waveform instanceof Float32Array ? waveform : Float32Array.from(waveform);
  const writer = new LogMelFrameWriter(params);
  const frames = writer.frameCount(signal.length);
  const data = new Float32Array(params.nMels * frames);
  writer.write(signal, 0, frames, data);
  return { nMels: params.nMels, frames, data };
}

/**
 * Log-mel frames of one float32 signal written into its (nMels, frames) array a range at a time,
 * so a long clip's first slices can go on while later frames are computed; every frame is the one
 * `logMelSpectrogram` computes.
 */
export class LogMelFrameWriter {
  private readonly stft: StftPowerFrames;
  private readonly filterbank: MelFilterbank;
  private readonly power: Float64Array;
  private readonly multiplier: number;

  constructor(params: Readonly<MelFrontEndParams>) {
    checkSupported(params);
    this.stft = new StftPowerFrames(params);
    this.filterbank = melFilterbank(params);
    this.power = new Float64Array(this.stft.nBins);
    this.multiplier = params.compression.multiplier;
  }

  frameCount(nSamples: number): number {
    return this.stft.frameCount(nSamples);
  }

  /** How many leading samples of an `nSamples` signal frames [0, t] need. */
  samplesNeeded(t: number, nSamples: number): number {
    return this.stft.samplesNeeded(t, nSamples);
  }

  /**
   * Frames [from, to) of `signal` into `data` ((nMels, frameCount(signal.length)) row-major).
   * Throws for an empty signal or a non-finite sample among those these frames read.
   */
  write(signal: Float32Array, from: number, to: number, data: Float32Array): void {
    const n = signal.length;
    if (n === 0) {
      throw new MuleError('WRONG_SHAPE', 'log-mel: the waveform is empty; at least one sample is needed (numpy cannot reflect-pad an empty signal)', {
        tensor: 'waveform',
        expected: '>= 1 sample',
        found: 0,
      });
    }
    const frames = this.frameCount(n);
    const checkFrom = from === 0 ? 0 : this.samplesNeeded(from - 1, n);
    const checkTo = to >= frames ? n : this.samplesNeeded(to - 1, n);
    for (let i = checkFrom; i < checkTo; i++) {
      if (!Number.isFinite(signal[i]!)) {
        throw new MuleError('NON_FINITE', `log-mel: the waveform is not finite at sample ${i} (${signal[i]}); librosa rejects such audio`, {
          tensor: 'waveform',
          found: signal[i],
        });
      }
    }
    const { filterbank, power, multiplier } = this;
    for (let t = from; t < to; t++) {
      this.stft.computeFrame(signal, t, power);
      for (let m = 0; m < filterbank.nMels; m++) {
        const value = Math.log10(multiplier * applyFilter(filterbank, m, power) + 1);
        data[m * frames + t] = Number.isFinite(value) ? value : LOG_MEL_NON_FINITE_VALUE;
      }
    }
  }
}

function applyFilter(filterbank: MelFilterbank, m: number, power: Float64Array): number {
  const { weights, nBins } = filterbank;
  const end = filterbank.bandEnd[m]!;
  const rowOffset = m * nBins;
  let sum = 0;
  for (let k = filterbank.bandStart[m]!; k < end; k++) sum += weights[rowOffset + k]! * power[k]!;
  return sum;
}

function checkSupported(params: Readonly<MelFrontEndParams>): void {
  const unsupported = (what: string, expected: unknown, found: unknown): MuleError =>
    new MuleError('UNSUPPORTED', `log-mel: ${what} ${JSON.stringify(found)} is not supported (expected ${JSON.stringify(expected)})`, {
      expected,
      found,
    });
  if (params.window !== 'hann') throw unsupported('window', 'hann', params.window);
  if (params.padMode !== 'reflect') throw unsupported('pad mode', 'reflect', params.padMode);
  if (params.compression.kind !== 'log10_nonneg') throw unsupported('compression', 'log10_nonneg', params.compression.kind);
}
