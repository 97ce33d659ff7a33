"""A shaped, flat, row-major array on the standard library's `array` (no numpy), for Pyodide."""
from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import Tuple

# npy descriptor <-> array typecode. 'q' is int64 on every platform CPython supports.
DESCR_TO_TYPECODE = {"<f8": "d", "<f4": "f", "<i8": "q", "<i4": "i"}
TYPECODE_TO_DESCR = {v: k for k, v in DESCR_TO_TYPECODE.items()}


@dataclass
class FlatArray:
    """`shape` in C order over `data`; `data` is an array('d'|'f'|'q'|'i')."""

    shape: Tuple[int, ...]
    data: array

    def __post_init__(self) -> None:
        self.shape = tuple(int(d) for d in self.shape)
        count = 1
        for d in self.shape:
            count *= d
        if len(self.data) != count:
            raise ValueError(f"FlatArray: shape {self.shape} needs {count} values, got {len(self.data)}")
        if self.data.typecode not in TYPECODE_TO_DESCR:
            raise ValueError(f"FlatArray: unsupported typecode {self.data.typecode!r}")

    @property
    def descr(self) -> str:
        return TYPECODE_TO_DESCR[self.data.typecode]

    @property
    def dtype_name(self) -> str:
        return {"d": "float64", "f": "float32", "q": "int64", "i": "int32"}[self.data.typecode]


def to_numpy(flat: FlatArray):
    """The same values as a numpy array (a copy)."""
    import numpy as np

    return np.frombuffer(flat.data.tobytes(), dtype=np.dtype(flat.descr)).reshape(flat.shape).copy()


def from_numpy(values) -> FlatArray:
    """A FlatArray holding a numpy array's values (float64, float32, int64 or int32)."""
    import numpy as np

    arr = np.ascontiguousarray(values)
    descr = arr.dtype.newbyteorder("<").str if arr.dtype.byteorder == ">" else arr.dtype.str
    descr = descr.replace("=", "<").replace("|", "<")
    if descr not in DESCR_TO_TYPECODE:
        raise ValueError(f"from_numpy: unsupported dtype {arr.dtype}")
    data = array(DESCR_TO_TYPECODE[descr])
    data.frombytes(arr.astype(descr, copy=False).tobytes())
    return FlatArray(tuple(arr.shape), data)
