"""Independent reader for the fixture tests: walks a .keras file with zipfile + h5py and prints JSON."""
import hashlib, io, json, sys, zipfile

import h5py
import numpy as np

path = sys.argv[1]
z = zipfile.ZipFile(path)
members = [
    {
        "name": i.filename,
        "compress_type": i.compress_type,
        "flag_bits": i.flag_bits,
        "extra_len": len(i.extra),
        "date_time": list(i.date_time),
        "external_attr": i.external_attr,
        "file_size": i.file_size,
    }
    for i in z.infolist()
]
config_text = z.read("config.json").decode("ascii")
h5_bytes = z.read("model.weights.h5")
h5 = h5py.File(io.BytesIO(h5_bytes), "r")
items = []
digest = hashlib.sha256()
params = 0
nan_datasets = []

def visit(name, obj):
    global params
    if isinstance(obj, h5py.Dataset):
        data = obj[()]
        items.append({"path": name, "kind": "dataset", "shape": list(obj.shape), "dtype": obj.dtype.str})
        params += int(np.prod(obj.shape))
        digest.update(name.encode() + np.ascontiguousarray(data).tobytes())
        if np.isnan(data).any():
            nan_datasets.append(name)
    else:
        items.append({"path": name, "kind": "group", "members": len(obj)})

h5.visititems(visit)
print(json.dumps({
    "members": members,
    "metadata": json.loads(z.read("metadata.json")),
    "config": json.loads(config_text),
    "config_is_python_json": json.dumps(json.loads(config_text)) == config_text,
    "superblock_version": h5_bytes[8],
    "root_keys": list(h5.keys()),
    "items": items,
    "params": params,
    "weights_sha256": digest.hexdigest(),
    "nan_datasets": nan_datasets,
    "size": sum(m["file_size"] for m in members),
}))
