# /// script
# requires-python = ">=3.8,<3.12"
# dependencies = ["tensorflow==2.13.1", "librosa==0.9.2", "resampy", "scooch", "numpy<1.25", "click"]
# ///
"""Dumps the GENUINE upstream MULE pipeline's stages in the mule_reference protocol (.npy arrays +
manifest.json), for users who have the real model, network access and a checkout of
PandoraMedia/music-audio-representations. It cannot run on the mule-ts build machines (no
TensorFlow, no network, no model): it is not part of the tests.

    uv run packages/verify/python/upstream_dump.py --upstream ~/music-audio-representations \
        --audio song.wav --out dump/

Arrays: waveform (16 kHz, upstream's AudioWaveform), mel (96, T), timeline (D, K),
embeddings (K, D) and clip_embedding (D,), the mean over slices as TimelineAverage computes it.
Upstream does not expose its slices; compare them through the mel and the embeddings.
"""
from __future__ import annotations

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from mule_reference.cli import Run  # noqa: E402  (shared manifest and .npy writing)


class UpstreamRun(Run):
    def manifest(self, error=None):
        out = super().manifest(error)
        out["tool"] = "mule_upstream_dump"
        for name in ("tensorflow", "librosa", "resampy", "scooch"):
            module = sys.modules.get(name)
            out["libraries"][name] = getattr(module, "__version__", None) if module else None
        return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", required=True, help="checkout of PandoraMedia/music-audio-representations (with the model via Git LFS)")
    parser.add_argument("--config", default="supporting_data/configs/mule_embedding_timeline.yml", help="relative to --upstream")
    parser.add_argument("--audio", required=True, help="any file ffmpeg decodes")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)

    audio = os.path.abspath(args.audio)
    out_dir = os.path.abspath(args.out)
    os.makedirs(out_dir, exist_ok=True)
    os.chdir(args.upstream)  # the config names the model relative to the checkout
    sys.path.insert(0, os.getcwd())
    import numpy as np
    from scooch import Config

    from mule.analysis import Analysis

    run = UpstreamRun(out_dir, "upstream")
    run.notes.append(f"config {args.config}, audio {audio}")
    analysis = Analysis(Config(args.config))
    source = analysis._source_feature  # the steps of Analysis.analyze, keeping every stage
    for feature in [source] + list(analysis._feature_transforms):
        feature.clear()
    run.timed("waveform", lambda: source.from_file(audio))
    run.save("waveform", np.asarray(source.data, dtype=np.float32).reshape(-1))
    previous = source
    for feature in analysis._feature_transforms:
        name = type(feature).__name__
        run.timed(name, lambda f=feature, p=previous: f.from_feature(p))
        data = np.asarray(feature.data, dtype=np.float32)
        if name == "MelSpectrogram":
            run.save("mel", data)
        elif name == "EmbeddingFeature":
            run.save("timeline", data)
            run.save("embeddings", data.T.copy())
            run.save("clip_embedding", data.mean(axis=1))
        previous = feature
    run.write_manifest()
    return 0


if __name__ == "__main__":
    sys.exit(main())
