"""Evaluates a Keras 2 Functional graph as serialised in config.json, layer by layer, in numpy
(float64 for the reference). Each supported Keras class is one entry in LAYER_REGISTRY."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Sequence, Tuple

import numpy as np

from . import layer_ops

TensorRef = Tuple[str, int, int]  # (layer name, node index, tensor index)


class GraphError(Exception):
    """A graph the reference cannot evaluate; the message names the layer."""


@dataclass
class Call:
    """One call of a layer (one inbound node): positional tensor inputs and keyword arguments,
    where keyword values may hold TensorRefs."""

    layer: dict
    node_index: int
    inputs: List[object]  # TensorRef, or ('_CONSTANT_VALUE', value)
    kwargs: dict

    @property
    def name(self) -> str:
        return self.layer["name"]

    def refs(self) -> List[TensorRef]:
        found = [r for r in self.inputs if isinstance(r, tuple) and r[0] != "_CONSTANT_VALUE"]
        found.extend(_refs_in(self.kwargs))
        return found


def _is_ref3(value) -> bool:
    return isinstance(value, list) and len(value) == 3 and isinstance(value[0], str) and all(isinstance(v, int) for v in value[1:])


def _refs_in(value) -> List[TensorRef]:
    if _is_ref3(value):
        return [(value[0], value[1], value[2])]
    if isinstance(value, dict):
        return [r for k in sorted(value) for r in _refs_in(value[k])]
    return []


def _parse_node(layer: dict, node) -> Tuple[List[object], dict]:
    """Keras 2 nested-list node: [[name, node, tensor, kwargs], ...]; TFOpLambda keeps its single
    call unwrapped: [name, node, tensor, kwargs]. `_CONSTANT_VALUE` entries are constants."""
    if isinstance(node, dict):
        raise GraphError(f"layer {layer['name']!r}: dict-form inbound nodes (Keras 3) are not supported")
    entries = [node] if node and isinstance(node[0], str) else list(node)
    inputs: List[object] = []
    kwargs: dict = {}
    for entry in entries:
        if not isinstance(entry, list) or len(entry) not in (3, 4) or not isinstance(entry[0], str):
            raise GraphError(f"layer {layer['name']!r}: cannot read inbound node entry {entry!r}")
        if entry[0] == "_CONSTANT_VALUE":
            inputs.append(("_CONSTANT_VALUE", entry[2]))
        else:
            inputs.append((entry[0], int(entry[1]), int(entry[2])))
        if len(entry) == 4 and entry[3]:
            kwargs.update(entry[3])
    return inputs, kwargs


class FunctionalGraph:
    """The calls of a Functional config, keyed by (layer name, node index)."""

    def __init__(self, model_config: dict) -> None:
        body = model_config["config"]
        self.layers: Dict[str, dict] = {}
        self.calls: Dict[Tuple[str, int], Call] = {}
        self.order: List[Tuple[str, int]] = []  # config order, then node order
        for layer in body["layers"]:
            name = layer["name"]
            if name in self.layers:
                raise GraphError(f"layer name {name!r} appears twice in the config")
            self.layers[name] = layer
            if layer["class_name"] == "InputLayer":
                self.calls[(name, 0)] = Call(layer, 0, [], {})
                self.order.append((name, 0))
                continue
            for index, node in enumerate(layer.get("inbound_nodes", [])):
                inputs, kwargs = _parse_node(layer, node)
                self.calls[(name, index)] = Call(layer, index, inputs, kwargs)
                self.order.append((name, index))
        self.inputs = [tuple(r) for r in _ref_list(body["input_layers"])]
        self.outputs = [tuple(r) for r in _ref_list(body["output_layers"])]

    def schedule(self, wanted: Iterable[Tuple[str, int]]) -> List[Tuple[str, int]]:
        """The calls needed for `wanted`, each after its inputs."""
        done: Dict[Tuple[str, int], bool] = {}
        order: List[Tuple[str, int]] = []
        for target in wanted:
            stack = [(target, False)]
            while stack:
                key, expanded = stack.pop()
                if done.get(key) is True:
                    continue
                if key not in self.calls:
                    raise GraphError(f"the graph refers to layer {key[0]!r} node {key[1]}, which the config does not define")
                if expanded:
                    done[key] = True
                    order.append(key)
                    continue
                if key in done:
                    raise GraphError(f"the graph has a cycle through layer {key[0]!r}")
                done[key] = False
                stack.append((key, True))
                for ref in reversed(self.calls[key].refs()):
                    if done.get(ref[:2]) is not True:
                        stack.append((ref[:2], False))
        return order


def _ref_list(value) -> List[list]:
    # A single input/output is a flat triple in some writers; Keras 2 wraps it in a list.
    return [value] if _is_ref3(value) else list(value)


# ---- the layer registry -------------------------------------------------------------------

LayerFn = Callable[["LayerCall"], np.ndarray]
LAYER_REGISTRY: Dict[str, LayerFn] = {}


def register_layer(class_name: str) -> Callable[[LayerFn], LayerFn]:
    def add(fn: LayerFn) -> LayerFn:
        if class_name in LAYER_REGISTRY:
            raise ValueError(f"layer class {class_name!r} is registered twice")
        LAYER_REGISTRY[class_name] = fn
        return fn

    return add


@dataclass
class LayerCall:
    """What a registry entry gets: the layer's config entry, its variables (stored dtype), the
    input tensors, the call's keyword arguments with tensors resolved, and the compute dtype."""

    layer: dict
    weights: list
    inputs: List[np.ndarray]
    kwargs: dict
    dtype: np.dtype

    @property
    def name(self) -> str:
        return self.layer["name"]

    @property
    def config(self) -> dict:
        return self.layer.get("config", {})

    def fail(self, message: str) -> GraphError:
        return GraphError(f"layer {self.name!r} ({self.layer['class_name']}): {message}")

    def weight(self, index: int) -> np.ndarray:
        if index >= len(self.weights):
            raise self.fail(f"expected at least {index + 1} variables, the file has {len(self.weights)}")
        return np.asarray(self.weights[index], dtype=self.dtype)

    def single_input(self) -> np.ndarray:
        if len(self.inputs) != 1:
            raise self.fail(f"expected one input, got {len(self.inputs)}")
        return self.inputs[0]


def activation_of(call: LayerCall, spec) -> Callable[[np.ndarray], np.ndarray]:
    """A Keras activation: a built-in name or a registered function {'class_name': 'function', 'config': name}."""
    name = spec
    if spec is None:
        name = "linear"
    elif isinstance(spec, dict):
        name = spec.get("config") if spec.get("class_name") == "function" else spec.get("class_name")
    if not isinstance(name, str) or name not in layer_ops.ACTIVATIONS:
        raise call.fail(f"activation {spec!r} is not supported (known: {sorted(layer_ops.ACTIVATIONS)})")
    return layer_ops.ACTIVATIONS[name]


def _pair(value, what: str, call: LayerCall) -> Tuple[int, int]:
    if isinstance(value, int):
        return value, value
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return int(value[0]), int(value[1])
    raise call.fail(f"{what} {value!r} is not an int or a pair")


def _check_channels_last(call: LayerCall, config: dict) -> None:
    if config.get("data_format", "channels_last") != "channels_last":
        raise call.fail(f"data_format {config.get('data_format')!r} is not supported")


def _conv2d(call: LayerCall, config: dict, kernel: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    _check_channels_last(call, config)
    if _pair(config.get("dilation_rate", 1), "dilation_rate", call) != (1, 1):
        raise call.fail(f"dilation_rate {config.get('dilation_rate')} is not supported")
    x = call.single_input()
    if kernel.ndim != 4:
        raise call.fail(f"the kernel has shape {kernel.shape}, expected (kh, kw, in/groups, out)")
    try:
        y = layer_ops.conv2d(x, kernel, bias, _pair(config.get("strides", 1), "strides", call), config.get("padding", "valid"), int(config.get("groups", 1)))
    except ValueError as e:
        raise call.fail(str(e)) from e
    return activation_of(call, config.get("activation"))(y)


@register_layer("InputLayer")
def _input_layer(call: LayerCall) -> np.ndarray:
    x = call.single_input()
    want = call.config.get("batch_input_shape") or call.config.get("batch_shape")
    if want is not None and (len(want) != x.ndim or any(w is not None and w != s for w, s in zip(want, x.shape))):
        raise call.fail(f"input shape {tuple(x.shape)} does not match the model's {tuple(want)}")
    return x


@register_layer("Conv2D")
def _conv2d_layer(call: LayerCall) -> np.ndarray:
    use_bias = call.config.get("use_bias", True)
    return _conv2d(call, call.config, call.weight(0), call.weight(1) if use_bias else None)


@register_layer("WeightStandardization")
def _weight_standardization(call: LayerCall) -> np.ndarray:
    inner = call.config.get("layer", {})
    if inner.get("class_name") != "Conv2D":
        raise call.fail(f"only a wrapped Conv2D is supported, found {inner.get('class_name')!r}")
    inner_config = inner.get("config", {})
    v, gain = call.weight(0), call.weight(1)
    bias = call.weight(2) if inner_config.get("use_bias", True) else None
    if gain.shape != (v.shape[-1],):
        raise call.fail(f"gain shape {gain.shape} does not match kernel v {v.shape}")
    return _conv2d(call, inner_config, layer_ops.standardise_kernel(v, gain), bias)


@register_layer("Dense")
def _dense(call: LayerCall) -> np.ndarray:
    x = call.single_input()
    kernel = call.weight(0)
    if kernel.ndim != 2 or kernel.shape[0] != x.shape[-1]:
        raise call.fail(f"kernel {kernel.shape} does not fit input {x.shape}")
    y = np.tensordot(x, kernel, axes=([x.ndim - 1], [0]))
    if call.config.get("use_bias", True):
        y = y + call.weight(1)
    return activation_of(call, call.config.get("activation"))(y)


@register_layer("Activation")
def _activation(call: LayerCall) -> np.ndarray:
    return activation_of(call, call.config.get("activation"))(call.single_input())


@register_layer("ScalarMultiply")
def _scalar_multiply(call: LayerCall) -> np.ndarray:
    # A learnable gain lives only in the h5 (config holds init_gain); a constant one only in config.
    gain = call.weight(0) if call.weights else np.asarray(call.config["init_gain"], dtype=call.dtype)
    if gain.size != 1:
        raise call.fail(f"the gain should be a scalar, found shape {gain.shape}")
    return call.single_input() * gain.reshape(())


@register_layer("StochDepth")
def _stoch_depth(call: LayerCall) -> np.ndarray:
    if len(call.inputs) != 2:
        raise call.fail(f"expected [shortcut, residual], got {len(call.inputs)} inputs")
    shortcut, residual = call.inputs
    if call.config.get("scale_during_test", False):
        residual = residual * call.dtype.type(call.config["survival_probability"])
    return shortcut + residual


@register_layer("GlobalAveragePooling2D")
def _global_average_pooling(call: LayerCall) -> np.ndarray:
    _check_channels_last(call, call.config)
    return call.single_input().mean(axis=(1, 2), keepdims=bool(call.config.get("keepdims", False)))


@register_layer("AveragePooling2D")
def _average_pooling(call: LayerCall) -> np.ndarray:
    config = call.config
    _check_channels_last(call, config)
    pool = _pair(config.get("pool_size", 2), "pool_size", call)
    strides = _pair(config.get("strides") or pool, "strides", call)
    try:
        return layer_ops.average_pool2d(call.single_input(), pool, strides, config.get("padding", "valid"))
    except ValueError as e:
        raise call.fail(str(e)) from e


@register_layer("Concatenate")
def _concatenate(call: LayerCall) -> np.ndarray:
    return np.concatenate(call.inputs, axis=int(call.config.get("axis", -1)))


@register_layer("TFOpLambda")
def _tf_op_lambda(call: LayerCall) -> np.ndarray:
    function = call.config.get("function")
    x = call.single_input()
    if function == "math.multiply":
        if "y" not in call.kwargs:
            raise call.fail("math.multiply without a 'y' argument")
        return x * np.asarray(call.kwargs["y"], dtype=call.dtype)
    if function == "expand_dims":
        if "axis" not in call.kwargs:
            raise call.fail("expand_dims without an 'axis' argument")
        return np.expand_dims(x, int(call.kwargs["axis"]))
    raise call.fail(f"TF op {function!r} is not supported (supported: math.multiply, expand_dims)")


# ---- evaluation ---------------------------------------------------------------------------


def _resolve(value, tensors: Dict[TensorRef, np.ndarray]):
    if _is_ref3(value):
        return tensors[(value[0], value[1], value[2])]
    if isinstance(value, dict):
        return {k: _resolve(v, tensors) for k, v in value.items()}
    return value


def evaluate_graph(
    graph: FunctionalGraph,
    weights: Dict[str, list],
    inputs: Sequence[np.ndarray],
    outputs: Sequence[str] | None = None,
    dtype=np.float64,
) -> Dict[str, np.ndarray]:
    """The tensors of `outputs` (layer names; default the model outputs) for `inputs` (one array
    per model input, in input_layers order). Intermediates are freed after their last use."""
    dtype = np.dtype(dtype)
    if len(inputs) != len(graph.inputs):
        raise GraphError(f"the model has {len(graph.inputs)} inputs, got {len(inputs)} arrays")
    wanted_layers = list(outputs) if outputs is not None else [r[0] for r in graph.outputs]
    targets: List[Tuple[str, int]] = []
    for name in wanted_layers:
        nodes = [k for k in graph.order if k[0] == name]
        if not nodes:
            raise GraphError(f"no layer named {name!r} in the model")
        targets.append(nodes[0])
    schedule = graph.schedule(targets)
    uses: Dict[TensorRef, int] = {}
    for key in schedule:
        for ref in graph.calls[key].refs():
            uses[ref] = uses.get(ref, 0) + 1
    keep = {(k[0], k[1], 0) for k in targets}
    given = {(r[0], r[1]): np.asarray(x, dtype=dtype) for r, x in zip(graph.inputs, inputs)}
    tensors: Dict[TensorRef, np.ndarray] = {}
    for key in schedule:
        call = graph.calls[key]
        class_name = call.layer["class_name"]
        fn = LAYER_REGISTRY.get(class_name)
        if fn is None:
            raise GraphError(f"layer {call.name!r}: class {class_name!r} is not supported by the reference (supported: {sorted(LAYER_REGISTRY)})")
        if class_name == "InputLayer":
            if key not in given:
                raise GraphError(f"layer {call.name!r}: no array given for this model input")
            args = [given[key]]
        else:
            args = [np.asarray(r[1], dtype=dtype) if r[0] == "_CONSTANT_VALUE" else tensors[r] for r in call.inputs]
        result = fn(LayerCall(call.layer, weights.get(call.name, []), args, _resolve(call.kwargs, tensors), dtype))
        tensors[(key[0], key[1], 0)] = np.asarray(result, dtype=dtype)
        for ref in call.refs():
            uses[ref] -= 1
            if uses[ref] == 0 and ref not in keep:
                del tensors[ref]
    return {name: tensors[(k[0], k[1], 0)] for name, k in zip(wanted_layers, targets)}
