"""Resampling to 16 kHz as upstream MULE does it: librosa 0.9.2 `resample` (res_type 'kaiser_best',
fix=True, scale=False) around resampy 0.4's band-limited sinc interpolation, in float64.

The filter is rebuilt from the figures in UPSTREAM.md (resampy's `kaiser_best.npz` to 3.5e-11), not
loaded from a resampy install. Every step follows resampy's order of operations:

- output length floor(n * sr_new / sr_orig), evaluated as (n * sr_new) / sr_orig;
- output t at input time t * (1 / (sr_new / sr_orig)) (a product per index, not a running sum);
- downsampling scales the table by sr_new / sr_orig and reads it with stride
  int(min(1, ratio) * precision);
- linear interpolation of the table: w = table[j] + eta * (table[j + 1] - table[j]);
- each output adds the left wing (x[n], x[n-1], ...), then the right wing (x[n+1], ...).

librosa then zero-pads (or trims) to ceil(n * (16000 / sr_orig)) samples.

Precision: float64 by default. Upstream feeds resampy a float32 waveform, and resampy (numba) then
stores the running sum of each output in float32 after every tap; `float32=True` does that too
(input rounded to float32, sum rounded after each tap, float32 out). The two differ by up to ~6e-7
on music at the upstream amplitude convention.

Pure Python (the `array` module) so it runs in Pyodide; with numpy importable the table and the
loop are vectorised (over output samples, keeping each output's order of additions).
"""
from __future__ import annotations

import math
from array import array
from typing import Sequence

ZERO_CROSSINGS = 50
PRECISION = 2**13  # table points per zero crossing
ROLLOFF = 0.9173473712608761
BETA = 12.984585309858513
TARGET_SAMPLE_RATE = 16000


class ResampleError(ValueError):
    """An input librosa/resampy would refuse."""


def numpy_available() -> bool:
    try:
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


def bessel_i0(x: float) -> float:
    """I0(x) = sum_k ((x/2)^k / k!)^2, summed upward until a term stops changing the sum."""
    quarter_square = x * x / 4.0
    term = 1.0
    total = 1.0
    k = 1
    while k < 500:
        term *= quarter_square / (k * k)
        nxt = total + term
        if nxt == total:
            break
        total = nxt
        k += 1
    return total


def _table_pure() -> array:
    n = ZERO_CROSSINGS * PRECISION
    i0_beta = bessel_i0(BETA)
    table = array("d", bytes(8 * (n + 1)))
    for i in range(n + 1):
        r = i / n
        taper = bessel_i0(BETA * math.sqrt(1.0 - r * r)) / i0_beta
        u = ROLLOFF * (i / PRECISION)
        sinc = 1.0 if u == 0.0 else math.sin(math.pi * u) / (math.pi * u)
        table[i] = taper * (ROLLOFF * sinc)
    return table


def _table_numpy():
    import numpy as np

    n = ZERO_CROSSINGS * PRECISION
    i = np.arange(n + 1, dtype=np.float64)
    r = i / n
    arg = BETA * np.sqrt(1.0 - r * r)
    quarter_square = arg * arg / 4.0
    term = np.ones_like(arg)
    total = np.ones_like(arg)
    for k in range(1, 500):
        term = term * (quarter_square / (k * k))
        nxt = total + term
        if np.array_equal(nxt, total):
            break
        total = nxt
    taper = total / bessel_i0(BETA)
    u = ROLLOFF * (i / PRECISION)
    with np.errstate(invalid="ignore", divide="ignore"):
        sinc = np.where(u == 0.0, 1.0, np.sin(np.pi * u) / (np.pi * u))
    return taper * (ROLLOFF * sinc)


_TABLE_CACHE: dict = {}


def kaiser_best_table(use_numpy: bool | None = None):
    """The 409,601-point right half of the Kaiser-windowed sinc (numpy array or array('d'))."""
    vectorised = numpy_available() if use_numpy is None else use_numpy
    key = "numpy" if vectorised else "pure"
    if key not in _TABLE_CACHE:
        _TABLE_CACHE[key] = _table_numpy() if vectorised else _table_pure()
    return _TABLE_CACHE[key]


def resampy_length(n: int, sr_orig: float, sr_new: float) -> int:
    return int(n * float(sr_new) / float(sr_orig))


def librosa_length(n: int, sr_orig: float, sr_new: float) -> int:
    return int(math.ceil(n * (float(sr_new) / sr_orig)))


def _check(x: Sequence[float], sr_orig: float, sr_new: float) -> int:
    if not (sr_orig > 0 and sr_new > 0 and math.isfinite(sr_orig) and math.isfinite(sr_new)):
        raise ResampleError(f"sample rates must be positive (got {sr_orig} -> {sr_new})")
    n_out = resampy_length(len(x), sr_orig, sr_new)
    if n_out < 1:
        raise ResampleError(f"{len(x)} input samples are too few to resample from {sr_orig} to {sr_new} Hz (resampy needs one output sample)")
    return n_out


def _resample_pure(x: Sequence[float], sr_orig: float, sr_new: float, float32: bool) -> array:
    n_out = _check(x, sr_orig, sr_new)
    if float32:
        x = array("d", array("f", x))
    rounder = array("f", [0.0])

    def keep(v: float) -> float:
        if not float32:
            return v
        rounder[0] = v
        return rounder[0]

    ratio = float(sr_new) / sr_orig
    base = kaiser_best_table(use_numpy=False)
    win = array("d", (ratio * v for v in base)) if ratio < 1 else array("d", base)
    nwin = len(win)
    delta = array("d", (win[j + 1] - win[j] for j in range(nwin - 1)))
    delta.append(0.0)
    scale = min(1.0, ratio)
    increment = 1.0 / ratio
    step = int(scale * PRECISION)
    n_orig = len(x)
    y = array("d", bytes(8 * n_out))
    for t in range(n_out):
        time = t * increment
        n = int(time)
        acc = 0.0
        frac = scale * (time - n)
        index_frac = frac * PRECISION
        offset = int(index_frac)
        eta = index_frac - offset
        for i in range(min(n + 1, (nwin - offset) // step)):
            j = offset + i * step
            acc = keep(acc + (win[j] + eta * delta[j]) * x[n - i])
        frac = scale - frac
        index_frac = frac * PRECISION
        offset = int(index_frac)
        eta = index_frac - offset
        for k in range(min(n_orig - n - 1, (nwin - offset) // step)):
            j = offset + k * step
            acc = keep(acc + (win[j] + eta * delta[j]) * x[n + k + 1])
        y[t] = acc
    return array("f", y) if float32 else y


def _resample_numpy(x, sr_orig: float, sr_new: float, float32: bool, block: int = 16384):
    import numpy as np

    x = np.asarray(x, dtype=np.float32 if float32 else np.float64).astype(np.float64)
    acc_dtype = np.float32 if float32 else np.float64
    n_out = _check(x, sr_orig, sr_new)
    ratio = float(sr_new) / sr_orig
    base = kaiser_best_table(use_numpy=True)
    win = ratio * base if ratio < 1 else base.copy()
    nwin = win.shape[0]
    delta = np.zeros_like(win)
    delta[:-1] = win[1:] - win[:-1]
    scale = min(1.0, ratio)
    increment = 1.0 / ratio
    step = int(scale * PRECISION)
    n_orig = x.shape[0]
    y = np.zeros(n_out, dtype=acc_dtype)

    def add_wing(acc, offset, eta, count, source_index):
        # tap i of every output in the block, in increasing i: the same order as one output at a time
        for i in range(int(count.max(initial=0))):
            live = i < count
            j = np.where(live, offset + i * step, 0)
            weight = win[j] + eta * delta[j]
            acc = (acc + np.where(live, weight * x[np.where(live, source_index(i), 0)], 0.0)).astype(acc_dtype)
        return acc

    for start in range(0, n_out, block):
        t = np.arange(start, min(n_out, start + block), dtype=np.int64)
        time = t * increment
        n = time.astype(np.int64)
        frac = scale * (time - n)
        index_frac = frac * PRECISION
        offset = index_frac.astype(np.int64)
        eta = index_frac - offset
        acc = add_wing(np.zeros(t.shape[0], dtype=acc_dtype), offset, eta, np.minimum(n + 1, (nwin - offset) // step), lambda i: n - i)
        frac = scale - frac
        index_frac = frac * PRECISION
        offset = index_frac.astype(np.int64)
        eta = index_frac - offset
        acc = add_wing(acc, offset, eta, np.minimum(n_orig - n - 1, (nwin - offset) // step), lambda i: n + i + 1)
        y[t] = acc
    return y


def resample(x, sr_orig: float, sr_new: float, use_numpy: bool | None = None, float32: bool = False):
    """resampy.resample(x, sr_orig, sr_new, filter='kaiser_best'): floor(n * sr_new / sr_orig) samples,
    float64 (or resampy's float32 arithmetic with float32=True)."""
    vectorised = numpy_available() if use_numpy is None else use_numpy
    if sr_orig == sr_new:
        return _copy(x, vectorised, float32)
    return _resample_numpy(x, sr_orig, sr_new, float32) if vectorised else _resample_pure(x, sr_orig, sr_new, float32)


def _copy(x, vectorised: bool, float32: bool):
    if vectorised:
        import numpy as np

        return np.array(x, dtype=np.float32 if float32 else np.float64)
    return array("f" if float32 else "d", x)


def _first_non_finite(x, vectorised: bool) -> int | None:
    if vectorised:
        import numpy as np

        bad = np.flatnonzero(~np.isfinite(np.asarray(x, dtype=np.float64)))
        return int(bad[0]) if bad.size else None
    return next((i for i, v in enumerate(x) if not math.isfinite(v)), None)


def resample_to_16k(x, sr_orig: float, use_numpy: bool | None = None, float32: bool = False):
    """librosa 0.9.2 `resample(x, sr_orig, 16000)`: refuses non-finite audio, returns the input at 16 kHz,
    otherwise resampy then fix_length to ceil(n * (16000 / sr_orig)) (zero padding at the end)."""
    vectorised = numpy_available() if use_numpy is None else use_numpy
    bad = _first_non_finite(x, vectorised)
    if bad is not None:
        raise ResampleError(f"sample {bad} is {x[bad]}; librosa refuses audio that is not finite everywhere")
    if sr_orig == TARGET_SAMPLE_RATE:
        return _copy(x, vectorised, float32)
    y = resample(x, sr_orig, TARGET_SAMPLE_RATE, use_numpy=vectorised, float32=float32)
    size = librosa_length(len(x), sr_orig, TARGET_SAMPLE_RATE)
    if len(y) > size:
        return y[:size]
    if vectorised:
        import numpy as np

        return np.concatenate([y, np.zeros(size - len(y), dtype=y.dtype)])
    y.extend(0.0 for _ in range(size - len(y)))
    return y
