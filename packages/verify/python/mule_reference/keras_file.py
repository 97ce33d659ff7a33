"""Reads a Keras model file for the reference: the model config and, per layer name, the layer's
variables in order. Handles the Keras 2.12-2.15 `.keras` zip (v3 saving) and legacy HDF5 (`.h5`,
or a `.keras` name holding HDF5). Facts: shared/reference/KERAS_FORMAT.md sections 1-3, 5, 7."""
from __future__ import annotations

import io
import json
import re
import struct
import zipfile
from dataclasses import dataclass, field
from typing import Dict, List, Tuple

ZIP_MAGIC = b"PK\x03\x04"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_V3_PREFIXES = ("_layer_checkpoint_dependencies", "layers")


class KerasFileError(Exception):
    """A model file the reference cannot read; the message names the file and what is wrong."""


@dataclass
class KerasModel:
    path: str
    format: str  # 'keras-v3-zip' | 'legacy-hdf5'
    keras_version: str | None
    config: dict  # the top-level {"class_name": "Functional", "config": {...}}
    # layer name -> that layer's variables as stored (numpy, stored dtype): own `vars/<i>` in
    # numeric order, then those of nested objects (a wrapper's `layer/vars/<i>`); for legacy files
    # the `weight_names` order. WeightStandardization: [v, gain, bias].
    weights: Dict[str, list] = field(default_factory=dict)
    # layer name -> where its variables came from (h5 group or weight names), for messages.
    weight_sources: Dict[str, str] = field(default_factory=dict)

    @property
    def layers(self) -> List[dict]:
        return self.config["config"]["layers"]


def to_snake_case(name: str) -> str:
    """Keras' generic_utils.to_snake_case (the h5 group name of a class)."""
    step = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    snake = re.sub("([a-z])([A-Z])", r"\1_\2", step).lower()
    return snake if snake[0] != "_" else "private" + snake


def sniff_format(path: str) -> str:
    with open(path, "rb") as f:
        head = f.read(8)
    if head[:4] == ZIP_MAGIC:
        return "keras-v3-zip"
    if head == HDF5_MAGIC:
        return "legacy-hdf5"
    raise KerasFileError(f"{path}: neither a .keras zip nor HDF5 (first bytes {head!r})")


class _MemberReader(io.RawIOBase):
    """A read-only, seekable view of a stored (uncompressed) zip member, so h5py reads the
    weights in place instead of a 250 MB copy."""

    def __init__(self, path: str, offset: int, size: int) -> None:
        self._file = open(path, "rb")
        self._offset, self._size, self._pos = offset, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, pos: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._size}[whence]
        self._pos = max(0, base + pos)
        return self._pos

    def readinto(self, buffer) -> int:
        count = max(0, min(len(buffer), self._size - self._pos))
        self._file.seek(self._offset + self._pos)
        got = self._file.readinto(memoryview(buffer)[:count])
        self._pos += got
        return got

    def close(self) -> None:
        self._file.close()
        super().close()


def _open_member(path: str, archive: zipfile.ZipFile, name: str):
    info = archive.getinfo(name)
    if info.compress_type != zipfile.ZIP_STORED:
        return io.BytesIO(archive.read(name))
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        local = f.read(30)
    if local[:4] != ZIP_MAGIC:
        raise KerasFileError(f"{path}: bad local header for {name}")
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    return _MemberReader(path, info.header_offset + 30 + name_len + extra_len, info.file_size)


def _split_link(path: str) -> Tuple[str, ...]:
    # Windows-saved files hold single link names with backslashes in them.
    return tuple(p for p in re.split(r"[/\\]", path) if p)


def _numeric_key(name: str) -> Tuple[int, str]:
    return (int(name), "") if name.isdigit() else (1 << 62, name)


def _collect_datasets(h5file) -> Dict[Tuple[str, ...], object]:
    import h5py

    found: Dict[Tuple[str, ...], object] = {}
    groups: set = set()

    def visit(name: str, obj) -> None:
        parts = _split_link(name)
        if isinstance(obj, h5py.Dataset):
            found[parts] = obj[()]
            groups.update(parts[:i] for i in range(1, len(parts)))
        else:
            groups.update(parts[:i] for i in range(1, len(parts) + 1))

    h5file.visititems(visit)
    found[("__groups__",)] = groups
    return found


def _ordered_variables(datasets: Dict[Tuple[str, ...], object], group: Tuple[str, ...]) -> List[object]:
    """`group/vars/<i>` numerically, then each nested object's (by name), depth first."""
    own = sorted(
        (k for k in datasets if len(k) == len(group) + 2 and k[: len(group)] == group and k[len(group)] == "vars"),
        key=lambda k: _numeric_key(k[-1]),
    )
    children = sorted(
        {k[len(group)] for k in datasets if len(k) > len(group) + 2 and k[: len(group)] == group and k[len(group)] != "vars"}
    )
    out = [datasets[k] for k in own]
    for child in children:
        out.extend(_ordered_variables(datasets, group + (child,)))
    return out


def _group_suffix(name: str, snake: str) -> int | None:
    if name == snake:
        return 0
    m = re.fullmatch(re.escape(snake) + r"_(\d+)", name)
    return int(m.group(1)) if m else None


def _assign_v3_groups(path: str, layers: List[dict], datasets, groups) -> Tuple[Dict[str, list], Dict[str, str]]:
    top = {g[0] for g in groups if len(g) >= 1}
    prefix = next((p for p in _V3_PREFIXES if p in top), None)
    if prefix is None:
        raise KerasFileError(f"{path}: model.weights.h5 has neither '_layer_checkpoint_dependencies' nor 'layers' (found {sorted(top)})")
    layer_groups = {g[1] for g in groups if len(g) >= 2 and g[0] == prefix}
    weights: Dict[str, list] = {}
    sources: Dict[str, str] = {}
    by_class: Dict[str, List[dict]] = {}
    for layer in layers:
        by_class.setdefault(layer["class_name"], []).append(layer)
    for class_name, members in by_class.items():
        snake = to_snake_case(class_name)
        matching = sorted(
            (s, g) for g in layer_groups if (s := _group_suffix(g, snake)) is not None
        )
        if len(matching) < len(members):
            raise KerasFileError(
                f"{path}: {len(members)} {class_name} layers in config.json but only {len(matching)} "
                f"'{snake}' groups under /{prefix} (first layer without a group: {members[len(matching)]['name']})"
            )
        for layer, (_, group) in zip(members, matching):
            weights[layer["name"]] = _ordered_variables(datasets, (prefix, group))
            sources[layer["name"]] = f"/{prefix}/{group}"
    return weights, sources


def _parse_json(text: str | bytes, path: str, what: str) -> dict:
    if isinstance(text, bytes):
        text = text.decode("utf8")
    try:
        return json.loads(text)  # Python's json takes NaN / Infinity, as Keras writes them
    except json.JSONDecodeError as e:
        raise KerasFileError(f"{path}: {what} is not valid JSON: {e}") from e


def _read_v3(path: str) -> KerasModel:
    import h5py

    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as e:
        raise KerasFileError(f"{path}: not a readable zip: {e}") from e
    with archive:
        names = set(archive.namelist())
        for needed in ("config.json", "model.weights.h5"):
            if needed not in names:
                raise KerasFileError(f"{path}: the archive has no {needed} (members: {sorted(names)})")
        config = _parse_json(archive.read("config.json"), path, "config.json")
        metadata = _parse_json(archive.read("metadata.json"), path, "metadata.json") if "metadata.json" in names else {}
        member = _open_member(path, archive, "model.weights.h5")
    try:
        with h5py.File(member, "r") as h5:
            datasets = _collect_datasets(h5)
    finally:
        member.close()
    groups = datasets.pop(("__groups__",))
    _check_functional(path, config)
    weights, sources = _assign_v3_groups(path, config["config"]["layers"], datasets, groups)
    return KerasModel(path, "keras-v3-zip", metadata.get("keras_version"), config, weights, sources)


def _attr_text(value) -> str:
    return value.decode("utf8") if isinstance(value, bytes) else str(value)


def _attr_list(group, name: str) -> List[str]:
    """A string-list attribute, joining the `name0`, `name1`, ... chunks Keras splits large ones into."""
    if name in group.attrs:
        values = list(group.attrs[name])
    else:
        values, i = [], 0
        while f"{name}{i}" in group.attrs:
            values.extend(group.attrs[f"{name}{i}"])
            i += 1
    return [_attr_text(v) for v in values]


def _read_legacy(path: str) -> KerasModel:
    import h5py

    with h5py.File(path, "r") as h5:
        if "model_config" not in h5.attrs:
            raise KerasFileError(f"{path}: HDF5 file without a 'model_config' attribute (a weights-only file?)")
        config = _parse_json(h5.attrs["model_config"], path, "the model_config attribute")
        version = _attr_text(h5.attrs["keras_version"]) if "keras_version" in h5.attrs else None
        _check_functional(path, config)
        root = h5["model_weights"] if "model_weights" in h5 else h5
        weights: Dict[str, list] = {}
        sources: Dict[str, str] = {}
        for layer in config["config"]["layers"]:
            name = layer["name"]
            if name not in root:
                weights[name] = []
                continue
            group = root[name]
            names = _attr_list(group, "weight_names") if ("weight_names" in group.attrs or "weight_names0" in group.attrs) else []
            weights[name] = [group[n][()] for n in names]
            sources[name] = f"{group.name} weight_names {names}"
    return KerasModel(path, "legacy-hdf5", version, config, weights, sources)


def _check_functional(path: str, config: dict) -> None:
    if config.get("class_name") != "Functional" and config.get("class_name") != "Model":
        raise KerasFileError(f"{path}: the reference evaluates Functional models only, found {config.get('class_name')!r}")
    if not isinstance(config.get("config", {}).get("layers"), list):
        raise KerasFileError(f"{path}: the model config has no 'layers' list")


def read_keras_model(path: str) -> KerasModel:
    """The config and the per-layer variables of a Keras 2 Functional model file."""
    fmt = sniff_format(path)
    return _read_v3(path) if fmt == "keras-v3-zip" else _read_legacy(path)
