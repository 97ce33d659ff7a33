"""The upstream log-mel front-end (librosa 0.9.2 `melspectrogram` + `log10_nonneg`), in pure
Python float64 (standard library only, so it runs unchanged in CPython and Pyodide)."""
from __future__ import annotations

import math
from array import array
from dataclasses import dataclass
from operator import mul
from typing import List, Sequence, Tuple

from .flat_array import FlatArray
from .real_fft import FftPlan, power_spectra_of_pair

# What upstream writes for a nan or infinite log-mel value.
SMALLEST_MAGNITUDE = -9999999999.0


@dataclass(frozen=True)
class MelParams:
    """The values of the published MULE config (mule_embedding_timeline.yml)."""

    sample_rate: int = 16000
    n_fft: int = 2048
    hop_length: int = 160
    win_length: int = 400
    n_mels: int = 96
    fmin: float = 0.0
    fmax: float = 8000.0


MULE_MEL = MelParams()


def periodic_hann(length: int) -> List[float]:
    """scipy's get_window('hann', length, fftbins=True)."""
    return [0.5 - 0.5 * math.cos(2.0 * math.pi * k / length) for k in range(length)]


def _hz_to_mel_htk(hz: float) -> float:
    return 2595.0 * math.log10(1.0 + hz / 700.0)


def _mel_to_hz_htk(mel: float) -> float:
    return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)


def mel_filterbank(params: MelParams = MULE_MEL) -> List[List[float]]:
    """HTK triangles on n_mels + 2 mel-spaced points over the rfft bins, each row scaled to unit
    L2 norm (rows with norm below the smallest normal float stay as they are)."""
    n_bins = params.n_fft // 2 + 1
    bin_hz = [k * params.sample_rate / params.n_fft for k in range(n_bins)]
    lo, hi = _hz_to_mel_htk(params.fmin), _hz_to_mel_htk(params.fmax)
    count = params.n_mels + 2
    step = (hi - lo) / (count - 1)
    mels = [lo + i * step for i in range(count - 1)] + [hi]
    points = [_mel_to_hz_htk(m) for m in mels]
    rows = []
    for i in range(params.n_mels):
        below, above = points[i + 1] - points[i], points[i + 2] - points[i + 1]
        row = [max(0.0, min((f - points[i]) / below, (points[i + 2] - f) / above)) for f in bin_hz]
        norm = math.sqrt(math.fsum(w * w for w in row))
        rows.append([w / norm for w in row] if norm >= 2.2250738585072014e-308 else row)
    return rows


def _sparse_rows(rows: List[List[float]]) -> List[Tuple[int, List[float]]]:
    """(first nonzero bin, weights up to the last nonzero bin) per row."""
    out = []
    for row in rows:
        nonzero = [k for k, w in enumerate(row) if w != 0.0]
        if not nonzero:
            out.append((0, []))
        else:
            out.append((nonzero[0], row[nonzero[0] : nonzero[-1] + 1]))
    return out


def reflect_pad(samples: Sequence[float], pad: int) -> List[float]:
    """numpy.pad(samples, pad, mode='reflect'), including pads longer than the signal."""
    n = len(samples)
    if n == 0:
        raise ValueError("cannot reflect-pad an empty waveform")
    if n == 1:
        return [float(samples[0])] * (2 * pad + 1)
    period = 2 * (n - 1)

    def source(j: int) -> float:
        j %= period
        return samples[j if j < n else period - j]

    return [source(j - pad) for j in range(pad)] + [float(v) for v in samples] + [source(n + j) for j in range(pad)]


def _non_finite_positions(samples: List[float]) -> List[int]:
    if math.isfinite(math.fsum(map(abs, samples))):
        return []
    return [i for i, v in enumerate(samples) if not math.isfinite(v)]


def _frames_touching(positions: List[int], frames: int, params: MelParams) -> set:
    """Frames t whose span [t*hop, t*hop + n_fft) of the padded signal holds one of `positions`."""
    touched = set()
    for p in positions:
        first = max(0, -(-(p - params.n_fft + 1) // params.hop_length))
        touched.update(range(first, min(frames - 1, p // params.hop_length) + 1))
    return touched


def frame_count(n_samples: int, params: MelParams = MULE_MEL) -> int:
    """librosa's frames with center=True: 1 + floor(n / hop)."""
    return 1 + n_samples // params.hop_length


def log_mel_spectrogram(waveform: Sequence[float], params: MelParams = MULE_MEL) -> FlatArray:
    """log10(10000 * mel + 1) of the power STFT, shape (n_mels, frames), float64; nan/inf values
    become SMALLEST_MAGNITUDE as upstream does."""
    n = len(waveform)
    if n == 0:
        raise ValueError("the waveform is empty")
    half = params.n_fft // 2
    padded = reflect_pad(waveform, half)
    window = periodic_hann(params.win_length)
    # The win_length window sits centred in the n_fft frame; the rest of the frame is zero.
    offset = (params.n_fft - params.win_length) // 2
    lead = [0.0] * offset
    tail = [0.0] * (params.n_fft - offset - params.win_length)
    frames = frame_count(n, params)
    plan = FftPlan(params.n_fft)
    filters = _sparse_rows(mel_filterbank(params))
    silent = [0.0] * params.n_fft

    def windowed(t: int) -> List[float]:
        start = t * params.hop_length + offset
        return lead + list(map(mul, padded[start : start + params.win_length], window)) + tail

    mel_t = array("d", bytes(8 * params.n_mels * frames))  # (n_mels, frames), filled column by column
    # librosa multiplies the whole n_fft frame by the zero-padded window, so one nan/inf sample
    # anywhere in a frame's span makes every bin nan: the whole column becomes the sentinel.
    spoiled = _frames_touching(_non_finite_positions(padded), frames, params)
    for t in spoiled:
        for i in range(params.n_mels):
            mel_t[i * frames + t] = SMALLEST_MAGNITUDE
    clean = [t for t in range(frames) if t not in spoiled]
    for k in range(0, len(clean), 2):
        pair = clean[k : k + 2]
        spectra = power_spectra_of_pair(plan, windowed(pair[0]), windowed(pair[1]) if len(pair) > 1 else silent)
        for t, power in zip(pair, spectra):
            for i, (start, weights) in enumerate(filters):
                energy = sum(map(mul, weights, power[start : start + len(weights)]))
                value = math.log10(10000.0 * energy + 1.0)
                mel_t[i * frames + t] = value if math.isfinite(value) else SMALLEST_MAGNITUDE
    return FlatArray((params.n_mels, frames), mel_t)
