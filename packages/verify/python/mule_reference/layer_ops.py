"""Numeric kernels of the reference, NHWC numpy, in the dtype of their inputs (float64 for the
reference). Written from the TensorFlow semantics, not from any other implementation here."""
from __future__ import annotations

import math
from typing import Sequence, Tuple

import numpy as np

try:  # Debian's python3-scipy; the fallback is exact too, only slower.
    from scipy.special import erf as _erf
except ImportError:  # pragma: no cover
    _erf_scalar = np.frompyfunc(math.erf, 1, 1)

    def _erf(x):
        return _erf_scalar(x).astype(x.dtype)


GELU_SCALE = 1.7015043497085571
RELU_SCALE = 1.7139588594436646


def same_padding(size: int, kernel: int, stride: int) -> Tuple[int, int, int]:
    """TensorFlow 'same': (output size, pad before, pad after); the odd pad goes after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return out, total // 2, total - total // 2


def valid_size(size: int, kernel: int, stride: int) -> int:
    return max((size - kernel) // stride + 1, 0)


def _spatial_plan(shape: Sequence[int], kernel: Tuple[int, int], strides: Tuple[int, int], padding: str):
    if padding == "same":
        (oh, top, bottom), (ow, left, right) = (same_padding(shape[1], kernel[0], strides[0]), same_padding(shape[2], kernel[1], strides[1]))
        return oh, ow, ((top, bottom), (left, right))
    if padding == "valid":
        return valid_size(shape[1], kernel[0], strides[0]), valid_size(shape[2], kernel[1], strides[1]), ((0, 0), (0, 0))
    raise ValueError(f"padding {padding!r} is not supported (want 'same' or 'valid')")


def _window(x: np.ndarray, i: int, j: int, oh: int, ow: int, strides: Tuple[int, int]) -> np.ndarray:
    """x[:, i + s*a, j + t*b, :] for a < oh, b < ow."""
    return x[:, i : i + strides[0] * (oh - 1) + 1 : strides[0], j : j + strides[1] * (ow - 1) + 1 : strides[1], :]


def conv2d(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None, strides: Tuple[int, int], padding: str, groups: int = 1) -> np.ndarray:
    """Grouped NHWC convolution (cross-correlation) with an HWIO kernel (kh, kw, in/groups, out)."""
    n, _, _, cin = x.shape
    kh, kw, cin_g, cout = kernel.shape
    if cin != cin_g * groups or cout % groups:
        raise ValueError(f"conv2d: input channels {cin}, kernel {kernel.shape}, groups {groups} do not fit")
    oh, ow, pads = _spatial_plan(x.shape, (kh, kw), strides, padding)
    xp = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0))) if any(sum(p) for p in pads) else x
    m = n * oh * ow
    # im2col laid out (group, position, kh, kw, in/groups) so each group's block is contiguous.
    cols = np.empty((groups, m, kh, kw, cin_g), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            patch = _window(xp, i, j, oh, ow, strides).reshape(m, groups, cin_g)
            cols[:, :, i, j, :] = patch.transpose(1, 0, 2)
    cout_g = cout // groups
    out = np.empty((m, cout), dtype=x.dtype)
    for g in range(groups):
        weights = kernel[:, :, :, g * cout_g : (g + 1) * cout_g].reshape(kh * kw * cin_g, cout_g)
        out[:, g * cout_g : (g + 1) * cout_g] = cols[g].reshape(m, kh * kw * cin_g) @ weights
    if bias is not None:
        out += bias
    return out.reshape(n, oh, ow, cout)


def average_pool2d(x: np.ndarray, pool: Tuple[int, int], strides: Tuple[int, int], padding: str) -> np.ndarray:
    """NHWC average pooling; with 'same', padded cells are not counted in the average (as TF)."""
    oh, ow, pads = _spatial_plan(x.shape, pool, strides, padding)
    xp = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    inside = np.pad(np.ones((1, x.shape[1], x.shape[2], 1), dtype=x.dtype), ((0, 0), pads[0], pads[1], (0, 0)))
    total = np.zeros((x.shape[0], oh, ow, x.shape[3]), dtype=x.dtype)
    count = np.zeros((1, oh, ow, 1), dtype=x.dtype)
    for i in range(pool[0]):
        for j in range(pool[1]):
            total += _window(xp, i, j, oh, ow, strides)
            count += _window(inside, i, j, oh, ow, strides)
    return total / count


def standardise_kernel(v: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """The WeightStandardization kernel: population mean/var over all axes but the last,
    scale = rsqrt(max(var * fan_in, 1e-4)) * gain, kernel = v * scale - mean * scale."""
    axes = tuple(range(v.ndim - 1))
    mean = v.mean(axis=axes, keepdims=True)
    var = v.var(axis=axes, keepdims=True)
    fan_in = float(np.prod(v.shape[:-1]))
    scale = 1.0 / np.sqrt(np.maximum(var * fan_in, v.dtype.type(1e-4))) * gain
    return v * scale - mean * scale


def gelu_exact(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": sigmoid,
    "gelu": gelu_exact,  # tf.keras.activations.gelu defaults to approximate=False
    "_scaled_gelu_activation": lambda x: gelu_exact(x) * x.dtype.type(GELU_SCALE),
    "_scaled_relu_activation": lambda x: np.maximum(x, 0) * x.dtype.type(RELU_SCALE),
}
