"""A radix-2 FFT in pure Python (Stockham order, no bit reversal), and power spectra of two real
frames at once from one complex FFT."""
from __future__ import annotations

import cmath
from operator import add, itemgetter, mul, sub
from typing import List, Sequence, Tuple


def _gather(indices: List[int]):
    """A C-speed gather of `indices` that always returns a tuple (itemgetter of one index does not)."""
    if len(indices) == 1:
        only = indices[0]
        return lambda x: (x[only],)
    return itemgetter(*indices)


class FftPlan:
    """Index gathers and twiddles for a length-`n` forward DFT, X[k] = sum x[j] exp(-2 pi i jk/n)."""

    def __init__(self, n: int) -> None:
        if n < 2 or n & (n - 1):
            raise ValueError(f"FFT length must be a power of two >= 2, got {n}")
        self.n = n
        self.stages: list = []
        # Layout at sub-transform size m: element k of the sub-transform over residue r (mod R = n/m)
        # sits at k*R + r. A stage pairs residues r and r + R/2 into the size-2m transform of r.
        m, r_count = 1, n
        while m < n:
            half = r_count // 2
            evens = [k * r_count + r for k in range(m) for r in range(half)]
            odds = [i + half for i in evens]
            twiddles = None
            if m > 1:
                roots = [cmath.exp(-1j * cmath.pi * k / m) for k in range(m)]
                twiddles = tuple(roots[k] for k in range(m) for _ in range(half))
            self.stages.append((_gather(evens), _gather(odds), twiddles))
            m, r_count = 2 * m, half

    def transform(self, values: Sequence[complex]) -> List[complex]:
        """The DFT of `values` (length n)."""
        if len(values) != self.n:
            raise ValueError(f"FFT plan is for length {self.n}, got {len(values)}")
        x = list(values)
        for get_even, get_odd, twiddles in self.stages:
            even = get_even(x)
            odd = get_odd(x)
            t = odd if twiddles is None else list(map(mul, odd, twiddles))
            x = list(map(add, even, t))
            x.extend(map(sub, even, t))
        return x


def power_spectra_of_pair(plan: FftPlan, first: Sequence[float], second: Sequence[float]) -> Tuple[List[float], List[float]]:
    """|rfft(first)|^2 and |rfft(second)|^2 (n/2 + 1 bins each) from one complex FFT of
    first + i*second: A[k] = (Z[k] + conj Z[n-k]) / 2, B[k] = (Z[k] - conj Z[n-k]) / 2i."""
    n = plan.n
    z = plan.transform(list(map(complex, first, second)))
    head = z[: n // 2 + 1]
    mirrored = [z[0].conjugate()] + [v.conjugate() for v in z[n - 1 : n // 2 - 1 : -1]]
    power_a = [abs(v) ** 2 * 0.25 for v in map(add, head, mirrored)]
    power_b = [abs(v) ** 2 * 0.25 for v in map(sub, head, mirrored)]
    return power_a, power_b
