/**
 * The periodic ("fftbins=True") Hann window of `length` samples: w[n] = 0.5 - 0.5 cos(2 pi n / length),
 * i.e. the first `length` points of a symmetric window of `length + 1` points (scipy's `hann(M, sym=False)`).
 */
export function periodicHann(length: number): Float64Array {
  const w = new Float64Array(length);
  for (let n = 0; n < length; n++) w[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / length);
  return w;
}

/**
 * The STFT analysis window as librosa builds it: a periodic Hann of `winLength` zero-padded
 * centred to `nFft` (floor((nFft - winLength) / 2) zeros on the left: 824 for 400 in 2048).
 * Kept in float64, as librosa keeps it.
 */
export function centredHannWindow(winLength: number, nFft: number): Float64Array {
  if (!Number.isInteger(winLength) || winLength < 1 || winLength > nFft) {
    throw new RangeError(`window length ${winLength} must be an integer in [1, nFft = ${nFft}]`);
  }
  const out = new Float64Array(nFft);
  out.set(periodicHann(winLength), Math.floor((nFft - winLength) / 2));
  return out;
}
