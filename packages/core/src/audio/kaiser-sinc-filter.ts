/**
 * resampy's interpolation filter: the right half of a Kaiser-windowed sinc, tabulated at
 * `precision` points per zero crossing (resampy `filters.sinc_window` with a Kaiser window).
 *
 * Upstream MULE (librosa 0.9.2 -> resampy 0.3.x-0.4.3, `kaiser_best`) loads this table from
 * resampy's `kaiser_best.npz`; the figures in KAISER_BEST (frontend-params.ts) rebuild it to 3.5e-11 (max-abs).
 * Debian's python3-resampy ships a table built with rolloff 0.917347 instead, up to 3.7e-7 away.
 */
import { MuleError } from '../errors/mule-error.js';
import { besselI0 } from './bessel-i0.js';

export interface KaiserSincParams {
  /** Zero crossings of the sinc kept on each side. */
  zeroCrossings: number;
  /** Table points per zero crossing (resampy's `precision` after 2**bits). */
  precision: number;
  /** Cut-off as a fraction of Nyquist. */
  rolloff: number;
  /** Kaiser window shape parameter. */
  beta: number;
}

/** The half-window table and how to read it, as resampy's `get_filter` returns it. */
export interface KaiserSincFilter {
  /** zeroCrossings * precision + 1 values, index i at sinc argument i / precision. */
  halfWindow: Float64Array;
  precision: number;
  rolloff: number;
}

/**
 * Builds the table in float64: table[i] = kaiser[i] * rolloff * sinc(rolloff * i / precision),
 * where kaiser is the right half (centre included) of a symmetric Kaiser window of 2n + 1 points,
 * n = zeroCrossings * precision, i.e. I0(beta * sqrt(1 - (i/n)^2)) / I0(beta), and
 * sinc(u) = sin(pi u) / (pi u).
 */
export function kaiserSincHalfWindow(params: Readonly<KaiserSincParams>): Float64Array {
  const { zeroCrossings, precision, rolloff, beta } = params;
  if (!Number.isInteger(zeroCrossings) || zeroCrossings < 1 || !Number.isInteger(precision) || precision < 1) {
    throw new MuleError('INVALID_INPUT', `kaiser-sinc filter: zeroCrossings and precision must be positive integers (got ${zeroCrossings}, ${precision})`, {
      expected: 'positive integers',
      found: { zeroCrossings, precision },
    });
  }
  if (!(rolloff > 0 && rolloff <= 1) || !Number.isFinite(beta)) {
    throw new MuleError('INVALID_INPUT', `kaiser-sinc filter: want 0 < rolloff <= 1 and a finite beta (got rolloff ${rolloff}, beta ${beta})`, {
      expected: '0 < rolloff <= 1, finite beta',
      found: { rolloff, beta },
    });
  }
  const n = zeroCrossings * precision;
  const table = new Float64Array(n + 1);
  const i0Beta = besselI0(beta);
  for (let i = 0; i <= n; i++) {
    const r = i / n;
    const taper = besselI0(beta * Math.sqrt(1 - r * r)) / i0Beta;
    const u = rolloff * (i / precision);
    const sinc = u === 0 ? 1 : Math.sin(Math.PI * u) / (Math.PI * u);
    table[i] = taper * (rolloff * sinc);
  }
  return table;
}

const filterCache = new Map<string, KaiserSincFilter>();

/** The filter for these figures, built on first use (about 30 ms for kaiser_best) and shared afterwards. Do not mutate. */
export function kaiserSincFilter(params: Readonly<KaiserSincParams>): KaiserSincFilter {
  const key = `${params.zeroCrossings}/${params.precision}/${params.rolloff}/${params.beta}`;
  let filter = filterCache.get(key);
  if (!filter) {
    filter = { halfWindow: kaiserSincHalfWindow(params), precision: params.precision, rolloff: params.rolloff };
    if (filterCache.size >= 4) filterCache.clear();
    filterCache.set(key, filter);
  }
  return filter;
}
