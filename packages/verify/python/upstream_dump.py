# /// script
# requires-python = ">=3.8,<3.12"
# dependencies = ["tensorflow==2.13.1", "librosa==0.9.2", "resampy", "scooch", "numpy<1.25", "click"]
# ///
"""Dumps every stage of the GENUINE upstream MULE pipeline (PandoraMedia/music-audio-representations)
on one audio file, for `mule verify --reference DUMP`. Run it where upstream runs (its Python
packages and, unless --no-model, TensorFlow and the model file); copy the dump directory to where
mule-ts runs. It is not run on the mule-ts build machines (no TensorFlow, no upstream code there).

    python upstream_dump.py --upstream ~/music-audio-representations --audio song.mp3 --out dump/
    python upstream_dump.py --upstream ... --audio song.mp3 --out dump/ --no-model   # no TensorFlow

Writes into --out (the mule_reference protocol: .npy arrays + manifest.json):
  decoded_44k (channels, n) float32  what upstream's AudioFile read (int16 / 2^16 per channel)
  waveform (n16,)                     AudioWaveform: channels summed, resampled to 16 kHz
  mel (96, T)                         MelSpectrogram
  slices (K, 96, W)                   the model's input, recorded by wrapping its predict
  embeddings (K, D), timeline (D, K), clip_embedding (D,)   the model's output and its mean
                                      (not with --no-model)
and a copy of the audio; manifest.json records its sha256, the model file's path and sha256, and
the versions of upstream and its libraries.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from mule_reference.cli import Run  # noqa: E402  (shared manifest and .npy writing)

UPSTREAM_DISTRIBUTION = "sxmp-mule"  # upstream's setup.py name


def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def distribution_version(name: str):
    try:
        from importlib.metadata import version

        return version(name)
    except Exception:  # not installed as a distribution (e.g. a bare checkout on sys.path)
        return None


class UpstreamRun(Run):
    def __init__(self, out_dir: str) -> None:
        super().__init__(out_dir, "upstream")
        self.audio: dict | None = None

    def manifest(self, error=None):
        out = super().manifest(error)
        out["tool"] = "mule_upstream_dump"
        out["audio"] = self.audio
        out["libraries"]["mule"] = distribution_version(UPSTREAM_DISTRIBUTION)
        for name in ("tensorflow", "librosa", "resampy", "scooch", "numpy"):
            module = sys.modules.get(name)
            out["libraries"][name] = getattr(module, "__version__", None) if module else None
        return out


class PredictRecorder:
    """Stands where upstream's Keras model stands: records every batch of slices it is given and
    passes it to the model (with --no-model there is none: it returns no outputs)."""

    def __init__(self, model) -> None:
        self.model = model
        self.inputs = []

    def predict(self, batch, **kwargs):
        import numpy as np

        self.inputs.append(np.array(batch[0], dtype=np.float32))
        if self.model is None:
            return np.zeros((len(batch[0]), 0), dtype=np.float32)
        return self.model.predict(batch, **kwargs)


def allow_import_without_tensorflow() -> None:
    """--no-model without TensorFlow installed: upstream's EmbeddingFeature module imports
    tensorflow and mule.models (whose modules build on tf.keras at import time) only to load the
    model, which --no-model replaces. Empty stand-ins let the front-end modules import."""
    import importlib.util

    if importlib.util.find_spec("tensorflow") is not None:
        return
    tensorflow = types.ModuleType("tensorflow")

    def absent(name):
        raise AttributeError(f"tensorflow.{name}: TensorFlow is not installed (upstream_dump.py --no-model)")

    tensorflow.__getattr__ = absent
    models = types.ModuleType("mule.models")
    models.__path__ = []
    layers = types.ModuleType("mule.models.layers")
    for name in ("WeightStandardization", "StochDepth", "ScalarMultiply"):
        setattr(layers, name, type(name, (), {}))
    sys.modules.update({"tensorflow": tensorflow, "mule.models": models, "mule.models.layers": layers})


def record_reads(audio_file_class, reads: list) -> None:
    """Keeps what upstream's AudioFile.read returns: the decoded samples, chunk by chunk."""
    original = audio_file_class.read

    def read(self, *args, **kwargs):
        data = original(self, *args, **kwargs)
        if data is not None:
            reads.append(data.copy())
        return data

    audio_file_class.read = read


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", required=True, help="checkout of PandoraMedia/music-audio-representations (with the model via Git LFS)")
    parser.add_argument("--config", default="supporting_data/configs/mule_embedding_timeline.yml", help="relative to --upstream")
    parser.add_argument("--audio", required=True, help="a .mp3, .wav or .wave file (what upstream accepts)")
    parser.add_argument("--out", required=True, help="the dump directory (created)")
    parser.add_argument("--no-model", action="store_true", help="dump the front-end stages only (no TensorFlow, no model file needed)")
    args = parser.parse_args(argv)

    audio = os.path.abspath(args.audio)
    out_dir = os.path.abspath(args.out)
    os.makedirs(out_dir, exist_ok=True)
    run = UpstreamRun(out_dir)
    copy = os.path.join(out_dir, os.path.basename(audio))
    if os.path.abspath(copy) != audio:
        shutil.copyfile(audio, copy)
    run.audio = {"file": os.path.basename(audio), "sha256": sha256_of(audio), "source_path": audio}

    os.chdir(args.upstream)  # the config names the model relative to the checkout
    sys.path.insert(0, os.getcwd())
    if args.no_model:
        allow_import_without_tensorflow()
    import numpy as np
    from scooch import Config

    from mule.analysis import Analysis
    from mule.features.transform_features.embedding_feature import EmbeddingFeature
    from mule.source_files import AudioFile

    if args.no_model:
        EmbeddingFeature.load_model = lambda self: setattr(self, "_model", None)
    reads: list = []
    record_reads(AudioFile, reads)
    run.notes.append(f"config {args.config}, audio {audio}" + (", --no-model" if args.no_model else ""))
    analysis = Analysis(Config(args.config))
    source = analysis._source_feature  # the steps of Analysis.analyze, keeping every stage
    recorders = {}
    for feature in analysis._feature_transforms:
        if isinstance(feature, EmbeddingFeature):
            recorders[id(feature)] = feature._model = PredictRecorder(feature._model)
            location = os.path.abspath(feature._model_location)
            model_sha = sha256_of(location) if os.path.isfile(location) and not args.no_model else None
            run.model = {"path": location, "sha256": model_sha, "format": "keras" if os.path.isfile(location) else "directory"}
    for feature in [source] + list(analysis._feature_transforms):
        feature.clear()

    run.timed("AudioWaveform", lambda: source.from_file(audio))
    run.save("decoded_44k", np.concatenate(reads, axis=1).astype(np.float32))
    run.save("waveform", np.ascontiguousarray(source.data, dtype=np.float32).reshape(-1))
    previous = source
    for feature in analysis._feature_transforms:
        name = type(feature).__name__
        run.timed(name, lambda f=feature, p=previous: f.from_feature(p))
        if name == "MelSpectrogram":
            run.save("mel", np.ascontiguousarray(feature.data, dtype=np.float32))
        elif isinstance(feature, EmbeddingFeature):
            inputs = recorders[id(feature)].inputs
            slices = np.concatenate(inputs, axis=0) if inputs else np.zeros((0, 96, 300), dtype=np.float32)
            run.save("slices", slices.reshape(slices.shape[:3]) if slices.ndim == 4 else slices)
            if not args.no_model and len(slices):
                timeline = np.ascontiguousarray(feature.data, dtype=np.float32)
                run.save("timeline", timeline)
                run.save("embeddings", np.ascontiguousarray(timeline.T))
                run.save("clip_embedding", timeline.mean(axis=1))
        previous = feature
    run.write_manifest()
    return 0


if __name__ == "__main__":
    sys.exit(main())
