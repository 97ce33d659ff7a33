"""The upstream slicing of a log-mel into standardised model inputs (EmbeddingFeature chunks +
SliceExtractor), in pure Python, with its quirks kept (see UPSTREAM.md "Slicing")."""
from __future__ import annotations

import math
from array import array
from dataclasses import dataclass
from typing import List, Tuple

from .flat_array import FlatArray

CHUNK_FRAMES = 8000  # EmbeddingFeature._CHUNK_SIZE
HOP_FRAMES = 200  # SliceExtractor hop in the published config
LOOK_BACKWARD = 150
LOOK_FORWARD = 150
STD_FLOOR = 0.01


def raw_centres(n_frames: int) -> List[int]:
    """Centres before clamping: chunk [s, e) of the mel yields every multiple of the hop below e
    that is greater than s (so frames 0, 8000, 16000, ... are never centres)."""
    boundaries = list(range(0, n_frames, CHUNK_FRAMES)) + [n_frames]
    centres: List[int] = []
    for start, end in zip(boundaries[:-1], boundaries[1:]):
        centres.extend(t for t in range(0, end, HOP_FRAMES) if t > start)
    return centres


def clamp_centre(centre: int, n_frames: int) -> int:
    """First raised to LOOK_BACKWARD, then lowered to n_frames - LOOK_FORWARD (may go below 150)."""
    centre = max(centre, LOOK_BACKWARD)
    return min(centre, n_frames - LOOK_FORWARD)


def slice_bounds(centre: int, n_frames: int) -> Tuple[int, int]:
    """The frames [start, stop) that mel[:, centre-150 : centre+150] selects under Python's slice
    rules (a negative start counts from the end, as upstream's numpy slicing does)."""
    start, stop, _ = slice(centre - LOOK_BACKWARD, centre + LOOK_FORWARD).indices(n_frames)
    return start, max(start, stop)


def standardise(values: List[float]) -> List[float]:
    """(x - mean) / max(std, 0.01), std the population std of the centred values; nan/inf std -> 1."""
    n = len(values)
    mean = math.fsum(values) / n
    centred = [v - mean for v in values]
    centred_mean = math.fsum(centred) / n
    std = math.sqrt(math.fsum((v - centred_mean) ** 2 for v in centred) / n)
    if not math.isfinite(std):
        std = 1.0
    std = max(std, STD_FLOOR)
    return [v / std for v in centred]


@dataclass
class Slices:
    centres: FlatArray  # (K,) int64, clamped
    bounds: FlatArray  # (K, 2) int64, [start, stop) frames of each slice
    slices: FlatArray  # (K, n_mels, width) float64, standardised


def slice_mel(mel: FlatArray) -> Slices:
    """All standardised slices of a (n_mels, frames) log-mel, in upstream order."""
    if len(mel.shape) != 2:
        raise ValueError(f"the mel must be 2-D (n_mels, frames), got shape {mel.shape}")
    n_mels, n_frames = mel.shape
    centres = [clamp_centre(c, n_frames) for c in raw_centres(n_frames)]
    bounds = [slice_bounds(c, n_frames) for c in centres]
    widths = {stop - start for start, stop in bounds}
    width = widths.pop() if widths else LOOK_BACKWARD + LOOK_FORWARD
    if widths:
        raise ValueError(f"slices of different widths {sorted(widths | {width})}")
    data = array("d")
    source = mel.data
    for start, stop in bounds:
        block: List[float] = []
        for row in range(n_mels):
            block.extend(source[row * n_frames + start : row * n_frames + stop])
        data.extend(standardise(block) if block else block)
    return Slices(
        centres=FlatArray((len(centres),), array("q", centres)),
        bounds=FlatArray((len(bounds), 2), array("q", [v for b in bounds for v in b])),
        slices=FlatArray((len(centres), n_mels, width), data),
    )
