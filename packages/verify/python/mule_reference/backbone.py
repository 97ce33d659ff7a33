"""Runs a Keras model file on model inputs in batches (the reference backbone)."""
from __future__ import annotations

from typing import Dict, Sequence

import numpy as np

from .graph_eval import FunctionalGraph, evaluate_graph
from .keras_file import KerasModel


def run_model(
    model: KerasModel,
    slices: np.ndarray,
    batch_size: int = 4,
    dtype=np.float64,
    layers: Sequence[str] | None = None,
) -> Dict[str, np.ndarray]:
    """The model output (and any `layers`) for slices (N, H, W) or (N, H, W, 1), batch by batch,
    concatenated over the batch axis. Keys: 'output' plus each requested layer name."""
    x = np.asarray(slices)
    if x.ndim == 3:
        x = x[..., np.newaxis]
    graph = FunctionalGraph(model.config)
    if len(graph.outputs) != 1 or len(graph.inputs) != 1:
        raise ValueError(f"{model.path}: expected one input and one output, found {len(graph.inputs)} and {len(graph.outputs)}")
    output_layer = graph.outputs[0][0]
    wanted = [output_layer] + [name for name in (layers or []) if name != output_layer]
    parts: Dict[str, list] = {name: [] for name in wanted}
    # An empty input still runs once (a zero-size batch) so the outputs get their shapes.
    for start in range(0, max(x.shape[0], 1), max(1, batch_size)):
        batch = x[start : start + batch_size]
        result = evaluate_graph(graph, model.weights, [batch], wanted, dtype)
        for name in wanted:
            parts[name].append(result[name])
    out = {name: np.concatenate(chunks, axis=0) for name, chunks in parts.items()}
    result = {"output": out[output_layer]}
    result.update({name: out[name] for name in (layers or [])})
    return result
