"""The command line: `python3 -m mule_reference <stage> ...`. Every stage reads its inputs, writes
named arrays as `<name>.npy` in --out, and a manifest.json describing what ran."""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from typing import Callable, Dict, List

from . import __version__
from .flat_array import FlatArray
from .npy import read_npy, write_npy

PROTOCOL = 1
EXIT_BAD_INPUT = 2


class StageError(Exception):
    """An input the reference refuses; printed as one line, exit code 2."""


class Run:
    """Collects stage timings and written arrays; writes manifest.json."""

    def __init__(self, out_dir: str, stage: str) -> None:
        self.out_dir = out_dir
        self.stage = stage
        self.started = time.perf_counter()
        self.stages: List[dict] = []
        self.arrays: List[dict] = []
        self.model: dict | None = None
        self.notes: List[str] = []

    def timed(self, name: str, fn: Callable[[], object]):
        t0 = time.perf_counter()
        result = fn()
        self.stages.append({"stage": name, "seconds": round(time.perf_counter() - t0, 6)})
        return result

    def save(self, name: str, values) -> None:
        file = f"{name}.npy"
        write_npy(os.path.join(self.out_dir, file), values)
        if isinstance(values, FlatArray):
            shape, dtype = list(values.shape), values.dtype_name
        else:
            shape, dtype = [int(d) for d in values.shape], str(values.dtype)
        self.arrays.append({"name": name, "file": file, "shape": shape, "dtype": dtype, "stage": self.stages[-1]["stage"] if self.stages else self.stage})

    def manifest(self, error: str | None = None) -> dict:
        return {
            "tool": "mule_reference",
            "version": __version__,
            "protocol": PROTOCOL,
            "stage": self.stage,
            "ok": error is None,
            "error": error,
            "argv": sys.argv[1:],
            "python": {"version": platform.python_version(), "implementation": platform.python_implementation(), "executable": sys.executable},
            "libraries": _library_versions(),
            "model": self.model,
            "stages": self.stages,
            "arrays": self.arrays,
            "notes": self.notes,
            "total_seconds": round(time.perf_counter() - self.started, 6),
        }

    def write_manifest(self, error: str | None = None) -> None:
        with open(os.path.join(self.out_dir, "manifest.json"), "w") as f:
            json.dump(self.manifest(error), f, indent=2, allow_nan=False)
            f.write("\n")


def _library_versions() -> Dict[str, str | None]:
    versions: Dict[str, str | None] = {}
    for name in ("numpy", "h5py", "scipy"):
        module = sys.modules.get(name)
        versions[name] = getattr(module, "__version__", None) if module else None
    return versions


def _read_waveform(path: str) -> FlatArray:
    wave = read_npy(path)
    if len(wave.shape) != 1 or wave.data.typecode not in ("d", "f"):
        raise StageError(f"{path}: want a 1-D float32/float64 16 kHz mono waveform, got shape {wave.shape} {wave.dtype_name}")
    if wave.shape[0] == 0:
        raise StageError(f"{path}: the waveform is empty")
    return wave


def _read_mel(path: str) -> FlatArray:
    mel = read_npy(path)
    if len(mel.shape) != 2 or mel.data.typecode not in ("d", "f"):
        raise StageError(f"{path}: want a 2-D float (n_mels, frames) log-mel, got shape {mel.shape} {mel.dtype_name}")
    if mel.data.typecode != "d":
        from array import array

        mel = FlatArray(mel.shape, array("d", mel.data))
    return mel


def _load_model(run: Run, path: str):
    from .keras_file import read_keras_model

    model = run.timed("read-keras", lambda: read_keras_model(path))
    run.model = {"path": os.path.abspath(path), "format": model.format, "keras_version": model.keras_version, "layers": len(model.layers)}
    return model


def _mel_stage(run: Run, waveform_path: str) -> FlatArray:
    from .frontend import log_mel_spectrogram

    wave = _read_waveform(waveform_path)
    mel = run.timed("mel", lambda: log_mel_spectrogram(wave.data))
    run.save("mel", mel)
    return mel


def _slices_stage(run: Run, mel: FlatArray):
    from .slicer import slice_mel

    sliced = run.timed("slices", lambda: slice_mel(mel))
    run.save("centres", sliced.centres)
    run.save("slice_bounds", sliced.bounds)
    run.save("slices", sliced.slices)
    return sliced


def _backbone(run: Run, model, slices, args) -> dict:
    import numpy as np

    from .backbone import run_model

    return run.timed("backbone", lambda: run_model(model, slices, args.batch, np.dtype(args.dtype), args.layer))


def cmd_resample(run: Run, args) -> None:
    from .resample import ResampleError, numpy_available, resample_to_16k

    wave = read_npy(args.waveform)
    if len(wave.shape) != 1 or wave.data.typecode not in ("d", "f"):
        raise StageError(f"{args.waveform}: want a 1-D float32/float64 mono waveform, got shape {wave.shape} {wave.dtype_name}")
    if not args.sr > 0:
        raise StageError(f"--sr must be a positive sample rate, got {args.sr}")
    pure = args.pure_python or not numpy_available()  # Pyodide without numpy takes the stdlib path
    if pure:
        from array import array

        samples = array("d", wave.data)
    else:
        from .flat_array import to_numpy

        samples = to_numpy(wave).astype("float64")
    float32 = args.dtype == "float32"
    try:
        resampled = run.timed("resample", lambda: resample_to_16k(samples, args.sr, use_numpy=not pure, float32=float32))
    except ResampleError as e:
        raise StageError(f"{args.waveform}: {e}") from e
    if pure:
        resampled = FlatArray((len(resampled),), resampled)
    run.save("waveform_16k", resampled)


def cmd_mel(run: Run, args) -> None:
    _mel_stage(run, args.waveform)


def cmd_slices(run: Run, args) -> None:
    _slices_stage(run, _read_mel(args.mel))


def _layer_file_name(layer: str) -> str:
    return "layer-" + "".join(c if c.isalnum() or c in "._-" else "_" for c in layer)


def cmd_backbone(run: Run, args) -> None:
    from .npy import read_npy_numpy

    slices = read_npy_numpy(args.slices)
    if slices.ndim not in (3, 4):
        raise StageError(f"{args.slices}: want slices (N, 96, 300) or (N, 96, 300, 1), got shape {slices.shape}")
    model = _load_model(run, args.keras)
    result = _backbone(run, model, slices, args)
    run.save("embeddings", result.pop("output"))
    for layer, values in result.items():
        run.save(_layer_file_name(layer), values)


def cmd_embed(run: Run, args) -> None:
    from .flat_array import to_numpy

    model = _load_model(run, args.keras)
    mel = _mel_stage(run, args.waveform)
    sliced = _slices_stage(run, mel)
    count, _, width = sliced.slices.shape
    if count == 0:
        raise StageError(f"{args.waveform}: no slice (the log-mel has {mel.shape[1]} frames; upstream takes its first slice only past frame 200, i.e. clips over 2 s)")
    input_layer = next((layer for layer in model.layers if layer["class_name"] == "InputLayer"), {})
    expected = input_layer.get("config", {}).get("batch_input_shape") or [None, None, None, None]
    if expected[2] is not None and width != expected[2]:
        raise StageError(
            f"{args.waveform}: the slices are {width} frames wide (log-mel of {mel.shape[1]} frames < 300, a clip under 3 s); "
            f"the model takes {expected[2]}. Upstream passes this narrow slice on; the reference refuses it."
        )
    result = _backbone(run, model, to_numpy(sliced.slices), args)
    embeddings = result["output"]
    run.save("embeddings", embeddings)
    timeline = run.timed("timeline", lambda: embeddings.T.copy())
    run.save("timeline", timeline)
    clip = run.timed("clip-embedding", lambda: embeddings.mean(axis=0))
    run.save("clip_embedding", clip)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python3 -m mule_reference", description="Independent MULE reference pipeline (float64).")
    sub = parser.add_subparsers(dest="stage", required=True)

    def stage(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--out", required=True, help="output directory (created); gets <array>.npy files and manifest.json")
        return p

    p = stage("resample", "mono waveform at --sr Hz -> waveform_16k (librosa 0.9.2 + resampy kaiser_best, float64) [numpy; pure Python with --pure-python]")
    p.add_argument("--waveform", required=True, help="1-D float32/float64 .npy, mono, upstream amplitude convention")
    p.add_argument("--sr", required=True, type=float, help="sample rate of --waveform in Hz (44100 for upstream's decoded audio)")
    p.add_argument("--pure-python", action="store_true", help="use the stdlib-only path (slow; what Pyodide runs)")
    p.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                   help="float64 (default), or float32 = resampy's arithmetic on upstream's float32 waveform (sum rounded to float32 after every tap)")
    p = stage("mel", "16 kHz waveform -> log-mel (96, frames) [pure Python]")
    p.add_argument("--waveform", required=True, help="1-D float32/float64 .npy, 16 kHz mono, upstream amplitude convention")
    p = stage("slices", "log-mel -> centres, slice_bounds, standardised slices [pure Python]")
    p.add_argument("--mel", required=True, help="2-D (96, frames) .npy")

    def model_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--keras", required=True, help=".keras (zip or legacy HDF5) or .h5 model file")
        p.add_argument("--batch", type=int, default=4, help="slices per evaluation batch (default 4)")
        p.add_argument("--dtype", choices=["float64", "float32"], default="float64", help="compute dtype (default float64)")

    p = stage("backbone", "slices (N, 96, 300) -> embeddings (N, D) [numpy, h5py]")
    p.add_argument("--slices", required=True, help="(N, 96, 300) or (N, 96, 300, 1) .npy")
    model_options(p)
    p.add_argument("--layer", action="append", default=[], help="also write this layer's output as layer-<name>.npy (repeatable)")
    p = stage("embed", "waveform -> mel -> slices -> embeddings, timeline (D, K), clip_embedding (D,)")
    p.add_argument("--waveform", required=True, help="1-D float32/float64 .npy, 16 kHz mono")
    model_options(p)
    p.set_defaults(layer=[])
    return parser


COMMANDS = {"resample": cmd_resample, "mel": cmd_mel, "slices": cmd_slices, "backbone": cmd_backbone, "embed": cmd_embed}


def main(argv: List[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if getattr(args, "batch", 1) < 1:
        print("mule_reference: error: --batch must be >= 1", file=sys.stderr)
        return EXIT_BAD_INPUT
    os.makedirs(args.out, exist_ok=True)
    run = Run(args.out, args.stage)
    try:
        COMMANDS[args.stage](run, args)
    except Exception as e:  # noqa: BLE001 - refusals become one line and a manifest; bugs keep the traceback
        from .keras_file import KerasFileError

        known = (StageError, KerasFileError, ValueError, OSError) + _graph_error()
        if not isinstance(e, known):
            raise
        message = str(e)
        run.write_manifest(message)
        print(f"mule_reference {args.stage}: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    run.write_manifest()
    return 0


def _graph_error() -> tuple:
    if "numpy" not in sys.modules:
        return ()
    from .graph_eval import GraphError

    return (GraphError,)
