"""Reads and writes `.npy` files: a pure-Python codec (format 1.0 out; 1.0-3.0 in) on FlatArray,
and numpy's own when the value is a numpy array."""
from __future__ import annotations

import ast
import struct
import sys
from array import array

from .flat_array import DESCR_TO_TYPECODE, FlatArray

MAGIC = b"\x93NUMPY"
_ALIGN = 64


def _header_text(flat: FlatArray) -> str:
    shape = flat.shape
    shape_text = "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
    return "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (flat.descr, shape_text)


def encode_npy(flat: FlatArray) -> bytes:
    """The bytes of a version 1.0 .npy file holding `flat` (little-endian, C order)."""
    text = _header_text(flat)
    # magic (6) + version (2) + header length (2) + header, padded with spaces and a final newline.
    unpadded = 10 + len(text) + 1
    text += " " * ((-unpadded) % _ALIGN) + "\n"
    header = text.encode("latin1")
    if len(header) > 0xFFFF:
        raise ValueError("npy header too long for format 1.0")
    data = array(flat.data.typecode, flat.data)
    if sys.byteorder == "big":
        data.byteswap()
    return MAGIC + b"\x01\x00" + struct.pack("<H", len(header)) + header + data.tobytes()


def decode_npy(blob: bytes, source: str = "<bytes>") -> FlatArray:
    """A FlatArray from .npy bytes; C-order little- or big-endian f8/f4/i8/i4 only."""
    if blob[:6] != MAGIC:
        raise ValueError(f"{source}: not a .npy file (bad magic)")
    major = blob[6]
    if major == 1:
        (hlen,) = struct.unpack("<H", blob[8:10])
        start = 10
    elif major in (2, 3):
        (hlen,) = struct.unpack("<I", blob[8:12])
        start = 12
    else:
        raise ValueError(f"{source}: unsupported .npy version {major}.{blob[7]}")
    header = ast.literal_eval(blob[start : start + hlen].decode("utf8" if major == 3 else "latin1"))
    descr, fortran, shape = header["descr"], header["fortran_order"], tuple(header["shape"])
    if fortran:
        raise ValueError(f"{source}: Fortran-order .npy files are not supported")
    little = "<" + descr[1:]
    if little not in DESCR_TO_TYPECODE or descr[0] not in "<>":
        raise ValueError(f"{source}: unsupported dtype {descr!r} (want float64, float32, int64 or int32)")
    data = array(DESCR_TO_TYPECODE[little])
    count = 1
    for d in shape:
        count *= d
    body = blob[start + hlen : start + hlen + count * data.itemsize]
    if len(body) != count * data.itemsize:
        raise ValueError(f"{source}: truncated .npy data")
    data.frombytes(body)
    if (descr[0] == ">") != (sys.byteorder == "big"):
        data.byteswap()
    return FlatArray(shape, data)


def write_npy(path: str, values) -> None:
    """Writes a FlatArray (pure Python) or a numpy array (numpy.save) to `path`."""
    if isinstance(values, FlatArray):
        with open(path, "wb") as f:
            f.write(encode_npy(values))
        return
    import numpy as np

    np.save(path, values, allow_pickle=False)


def read_npy(path: str) -> FlatArray:
    """Reads `path` with the pure-Python codec."""
    with open(path, "rb") as f:
        return decode_npy(f.read(), path)


def read_npy_numpy(path: str):
    """Reads `path` with numpy (no pickles)."""
    import numpy as np

    return np.load(path, allow_pickle=False)
