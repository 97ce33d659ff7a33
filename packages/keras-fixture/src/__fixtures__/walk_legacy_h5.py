"""Independent reader for the legacy-writer tests: walks a legacy Keras .h5 with h5py and prints JSON.

Usage: walk_legacy_h5.py FILE [V3_KERAS]. With a .keras file of the same model, it also pairs each
legacy dataset with the .keras dataset of the same layer (the k-th group of a snake-case class name,
sorted by numeric suffix, is the k-th layer of that class in config order) and reports mismatches.
"""
import io, json, re, sys, zipfile

import h5py
import numpy as np


def attr_type(obj, name):
    """The HDF5 type signature of an attribute: string charset/vlen/shape, or the numpy dtype."""
    aid = obj.attrs.get_id(name)
    t = aid.get_type()
    if isinstance(t, h5py.h5t.TypeStringID):
        return {"kind": "string", "cset": t.get_cset(), "vlen": bool(t.is_variable_str()), "shape": list(aid.shape)}
    return {"kind": "other", "dtype": aid.dtype.str, "shape": list(aid.shape)}


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def names(obj, name):
    v = obj.attrs[name]
    return [text(x) for x in v] if v.size else []


path = sys.argv[1]
f = h5py.File(path, "r")
mw = f["model_weights"]
config_text = f.attrs["model_config"]
groups = {}
for key in mw.keys():
    g = mw[key]
    datasets = {}
    g.visititems(lambda n, o: datasets.__setitem__(n, {"shape": list(o.shape), "dtype": o.dtype.str}) if isinstance(o, h5py.Dataset) else None)
    groups[key] = {
        "weight_names": names(g, "weight_names"),
        "weight_names_type": attr_type(g, "weight_names"),
        "datasets": datasets,
    }

result = {
    "superblock_version": open(path, "rb").read(9)[8],
    "root_keys": list(f.keys()),
    "root_attrs": {k: attr_type(f, k) for k in f.attrs},
    "model_weights_attrs": {k: attr_type(mw, k) for k in mw.attrs},
    "keras_version": text(f.attrs["keras_version"]),
    "backend": text(f.attrs["backend"]),
    "mw_keras_version": text(mw.attrs["keras_version"]),
    "mw_backend": text(mw.attrs["backend"]),
    "model_config": json.loads(config_text),
    "config_is_python_json": json.dumps(json.loads(config_text)) == config_text,
    "layer_names": names(mw, "layer_names"),
    "groups": groups,
}

if len(sys.argv) > 2:
    def snake(name):
        s = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
        return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()

    z = zipfile.ZipFile(sys.argv[2])
    v3_layers = json.loads(z.read("config.json"))["config"]["layers"]
    h5 = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
    root = h5["_layer_checkpoint_dependencies"]
    by_base = {}
    for key in root.keys():
        m = re.fullmatch(r"(.+?)(?:_(\d+))?", key)
        by_base.setdefault(m.group(1), []).append((int(m.group(2) or 0), key))
    seen = {}
    mismatches, compared = [], 0
    for layer in v3_layers:
        base = snake(layer["class_name"])
        k = seen.get(base, 0)
        seen[base] = k + 1
        v3_group = root[sorted(by_base[base])[k][1]]
        v3_sets = []
        v3_group.visititems(lambda n, o: v3_sets.append(n) if isinstance(o, h5py.Dataset) else None)
        # Legacy order is layer.weights: the wrapper's own vars, then its inner layer's.
        v3_sets.sort(key=lambda n: (n.startswith("layer/"), int(n.rsplit("/", 1)[1])))
        g = mw[layer["name"]]
        legacy_names = names(g, "weight_names")
        if len(legacy_names) != len(v3_sets):
            mismatches.append(f"{layer['name']}: {legacy_names} vs {v3_sets}")
            continue
        for ln, vn in zip(legacy_names, v3_sets):
            a, b = g[ln][()], v3_group[vn][()]
            compared += 1
            if a.shape != b.shape or a.dtype != b.dtype or a.tobytes() != b.tobytes():
                mismatches.append(f"{layer['name']}/{ln} != {v3_group.name}/{vn}")
    result["v3_comparison"] = {"compared": compared, "mismatches": mismatches}

print(json.dumps(result))
