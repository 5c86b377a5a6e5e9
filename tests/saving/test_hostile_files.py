"""Hostile files: whatever a file holds, loading raises one of striate's two errors, runs nothing, and returns fast.

Every case goes to both ``load_model`` and ``model.load_weights``. A case passes
when the loader raises :class:`ModelFileError` (a ``ValueError``) or
:class:`ModelPathError` (an ``OSError``), no payload ran (the marker file that
each payload would create does not exist), and the model given to
``load_weights`` still has its weights.
"""

import base64
import io
import json
import os
import pickle
import struct

import numpy as np
import pytest

import striate
from striate.saving import ModelFileError, ModelPathError, SavingError
from striate.saving.format import read_tensors, write_tensors
from tests.saving.factories import BUILDERS, same_weights, trained
from tests.saving.tally import TALLY


class Payload:
    """Pickling this object writes a pickle that, when loaded, creates ``path`` with a shell command."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return os.system, (f"touch {self.path}",)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    model, _, _ = trained("sequential", epochs=1)
    model.save(folder / "model.keras")
    model.save_weights(folder / "w.weights.safetensors")
    return {"folder": folder, "model": model, "model.keras": (folder / "model.keras").read_bytes(),
            "weights": (folder / "w.weights.safetensors").read_bytes(),
            "parts": read_tensors(folder / "model.keras")}


@pytest.fixture(scope="module")
def target():
    """The model that load_weights is pointed at; it must never change."""
    model = BUILDERS["sequential"]()
    return model, model.get_weights()


@pytest.fixture
def marker(tmp_path):
    return tmp_path / "payload-ran"


def refuse_all(path, target, marker, loaders=("load_model", "load_weights")):
    model, weights = target
    for loader in loaders:
        with pytest.raises(SavingError) as info:
            if loader == "load_model":
                striate.models.load_model(path)
            else:
                model.load_weights(path)
        assert isinstance(info.value, (ModelFileError, ModelPathError))
        assert str(info.value)
        TALLY["hostile files"] += 1
    assert not marker.exists(), "a payload ran"
    assert all(a.tobytes() == b.tobytes() for a, b in zip(weights, model.get_weights()))


def write_variant(path, parts, metadata=None, tensors=None, **changes):
    """A valid file (right checksum) of the model's metadata and tensors with ``changes``.

    ``changes`` maps metadata keys to new JSON values (None deletes the key).
    """
    metadata = dict(parts[0] if metadata is None else metadata)
    tensors = dict(parts[1] if tensors is None else tensors)
    for key, value in changes.items():
        if value is None:
            metadata.pop(key, None)
        else:
            metadata[key] = value if isinstance(value, str) else json.dumps(value)
    with open(path, "wb") as file:
        write_tensors(file, tensors, metadata)
    return path


# ---- truncation and corruption -------------------------------------------------------------
def _cut_points(content):
    """Every length class: empty, inside the 8-byte size, inside the header, at and around each
    tensor's boundaries, and a stride through the rest; each cut a byte either side of a boundary."""
    n = struct.unpack("<Q", content[:8])[0]
    header = json.loads(content[8:8 + n])
    header.pop("__metadata__")
    edges = {0, 8, 8 + n, len(content)} | {8 + n + o for t in header.values() for o in t["data_offsets"]}
    points = set(range(0, 24)) | set(range(0, len(content), 37))
    points |= {p + d for p in edges for d in (-2, -1, 0, 1, 2)}
    return sorted(p for p in points if 0 <= p < len(content))


@pytest.mark.parametrize("which", ["model.keras", "weights"])
def test_every_truncation(files, target, marker, which):
    content, path = files[which], files["folder"] / "cut.keras"
    for length in _cut_points(content):
        path.write_bytes(content[:length])
        refuse_all(path, target, marker)


def test_byte_flips(files, target, marker):
    """A flipped byte is refused, or (whitespace only) loads exactly the same model."""
    rng = np.random.default_rng(0)
    content, path = files["model.keras"], files["folder"] / "flip.keras"
    accepted = 0
    for _ in range(400):
        mutated = bytearray(content)
        position = int(rng.integers(len(mutated)))
        mutated[position] ^= int(rng.integers(1, 256))
        path.write_bytes(bytes(mutated))
        try:
            loaded = striate.models.load_model(path)
        except SavingError:
            TALLY["hostile files"] += 1
            continue
        accepted += 1
        assert same_weights(loaded, files["model"]) and loaded.get_config() == files["model"].get_config()
    assert accepted <= 4


# ---- valid containers, wrong members -------------------------------------------------------
def _drop_tensor(parts):
    tensors = dict(parts[1])
    tensors.pop(next(iter(tensors)))
    return {"tensors": tensors}


def _extra_tensor(parts):
    return {"tensors": {**parts[1], "stowaway": np.zeros(3)}}


def _rename_tensor(parts):
    tensors = dict(parts[1])
    first = next(iter(tensors))
    tensors["renamed"] = tensors.pop(first)
    return {"tensors": tensors}


def _reshaped_weight(parts):
    tensors = dict(parts[1])
    name = json.loads(parts[0]["weights"])[0]
    tensors[name] = np.zeros((tensors[name].shape[0] + 1,) + tensors[name].shape[1:], tensors[name].dtype)
    return {"tensors": tensors}


def _retyped_weight(dtype):
    def change(parts):
        tensors = dict(parts[1])
        name = json.loads(parts[0]["weights"])[0]
        tensors[name] = tensors[name].astype(dtype)
        return {"tensors": tensors}
    return change


def _optimizer_slot(value):
    def change(parts):
        tensors = dict(parts[1])
        keys = json.loads(parts[0]["optimizer"])
        tensors[keys["0/momentum"]] = value
        return {"tensors": tensors}
    return change


def _members(**changes):
    return lambda parts: changes


MEMBER_CASES = {
    "no format": _members(format=None),
    "unknown format": _members(format="evil.format"),
    "weights-only format to load_model": _members(format="striate.backup"),
    "version 0": _members(format_version="0"),
    "version text": _members(format_version="one"),
    "version huge": _members(format_version="9" * 40),
    "newer version": _members(format_version="2"),
    "no config": _members(config=None),
    "config not JSON": _members(config="{not json"),
    "config a list": _members(config=[1, 2]),
    "config deeply nested": _members(config="[" * 100_000 + "]" * 100_000),
    "config huge integer": _members(config='{"class_name": "Sequential", "config": {"name": ' + "9" * 5000 + "}}"),
    "no weights list": _members(weights=None),
    "weights list of numbers": _members(weights=[1, 2, 3]),
    "weights list with duplicates": lambda parts: {"weights": json.loads(parts[0]["weights"])[:1] * 8},
    "weights list too short": lambda parts: {"weights": json.loads(parts[0]["weights"])[:-1]},
    "weights list names missing tensor": lambda parts: {"weights": ["ghost"] + json.loads(parts[0]["weights"])[1:]},
    "dropped tensor": _drop_tensor,
    "extra tensor": _extra_tensor,
    "renamed tensor": _rename_tensor,
    "weight of the wrong shape": _reshaped_weight,
    "weight float64": _retyped_weight("float64"),
    "weight float16": _retyped_weight("float16"),
    "weight int32": _retyped_weight("int32"),
    "weight bool": _retyped_weight("bool"),
    "optimizer map not a dict": _members(optimizer=["x"]),
    "optimizer map to missing tensor": _members(optimizer={"iterations": "ghost"}),
    "optimizer slot wrong shape": _optimizer_slot(np.zeros((1, 1), "float32")),
    "optimizer slot wrong dtype": _optimizer_slot(np.zeros((6, 8), "float64")),
    "optimizer iterations float": lambda parts: {"tensors": {**parts[1], json.loads(parts[0]["optimizer"])[
        "iterations"]: np.array(1.5)}},
    "compile garbage": _members(compile={"optimizer": 1, "loss": 2}),
    "compile unknown optimizer": _members(compile={"optimizer": {"class_name": "os.system", "config": {}},
                                                   "loss": "mse"}),
    "compile bad optimizer argument": _members(compile={"optimizer": {"class_name": "SGD",
                                                                      "config": {"clipnorm": "x"}}, "loss": "mse"}),
    "compile loss is code": _members(compile={"optimizer": "sgd", "loss": "__import__('os').system('x')"}),
    "compile loss tagged object": _members(compile={"optimizer": {"class_name": "SGD", "config": {}},
                                                    "loss": {"__striate_object__": "loss",
                                                             "config": {"class_name": "function",
                                                                        "config": "system", "module": "os"}}}),
    "random state garbage": _members(random={"layers": {"2/Dropout": {"bit_generator": "PCG64", "state": 7}}}),
    "random state wrong layers": _members(random={"layers": {}}),
    "random state other generator": _members(random={"layers": {"2/Dropout": {"bit_generator": "MT19937"}}}),
}


@pytest.mark.parametrize("case", sorted(MEMBER_CASES))
def test_wrong_or_missing_members(files, target, marker, tmp_path, case):
    changes = MEMBER_CASES[case](files["parts"])
    path = write_variant(tmp_path / "variant.keras", files["parts"], metadata=changes.pop("metadata", None),
                         tensors=changes.pop("tensors", None), **changes)
    with pytest.raises(ModelFileError):
        striate.models.load_model(path)
    TALLY["hostile files"] += 1
    assert not marker.exists()


# ---- configs that name code or ask for too much ---------------------------------------------------
def _layer(class_name, **config):
    return {"class_name": class_name, "config": config}


def _sequential(*layers, shape=(6,)):
    return {"class_name": "Sequential", "config": {"name": "s", "layers": [
        _layer("InputLayer", batch_shape=[None, *shape]), *layers]}}


def _config_cases(marker):
    command = f"touch {marker}"
    pickled = base64.b64encode(pickle.dumps(Payload(marker))).decode()
    return {
        "unknown class": _sequential(_layer("EvilLayer")),
        "os.system": _sequential(_layer("os.system", command=command)),
        "builtins.eval": _sequential(_layer("builtins.eval", source=command)),
        "__import__": {"class_name": "__import__", "config": {"name": "os"}},
        "subprocess.Popen": _sequential(_layer("subprocess.Popen", args=["touch", str(marker)])),
        "module and registered_name": _sequential({"class_name": "system", "module": "os",
                                                   "registered_name": "os>system", "config": {}}),
        "Lambda with source": _sequential(_layer("Lambda", function=f"lambda x: __import__('os').system('{command}')")),
        "Lambda with bytecode": _sequential(_layer("Lambda", function=[pickled, None, None], function_type="lambda")),
        "activation names code": _sequential(_layer("Dense", units=3, activation="os.system")),
        "initializer names code": _sequential(_layer("Dense", units=3, kernel_initializer={
            "class_name": "os.system", "config": {"command": command}})),
        "pickle in a class name": _sequential(_layer(pickled)),
        "Dense memory bomb": _sequential(_layer("Dense", units=10**9)),
        "Dense memory bomb after a big input": _sequential(_layer("Dense", units=10**5), shape=(10**5,)),
        "input memory bomb": _sequential(_layer("Flatten"), shape=(10**6, 10**6)),
        "too many layers": _sequential(*[_layer("Activation", activation="relu")] * 5000),
        "cycle in a functional graph": {"class_name": "Functional", "config": {
            "name": "f", "layers": [
                {"class_name": "Dense", "config": {"units": 2, "name": "a"},
                 "inbound_nodes": [{"args": [{"keras_history": ["b", 0, 0]}], "kwargs": {}}]},
                {"class_name": "Dense", "config": {"units": 2, "name": "b"},
                 "inbound_nodes": [{"args": [{"keras_history": ["a", 0, 0]}], "kwargs": {}}]}],
            "input_layers": [["a", 0, 0]], "output_layers": [["b", 0, 0]]}},
        "functional with bad kwargs": {"class_name": "Functional", "config": {
            "name": "f", "layers": [
                {"class_name": "InputLayer", "config": {"batch_shape": [None, 2], "name": "i"}, "inbound_nodes": []},
                {"class_name": "Dense", "config": {"units": 2, "name": "d"},
                 "inbound_nodes": [{"args": [{"keras_history": ["i", 0, 0]}], "kwargs": {"evil": command}}]}],
            "input_layers": [["i", 0, 0]], "output_layers": [["d", 0, 0]]}},
        "a layer, not a model": _layer("Dense", units=2),
        "config is a string": "Sequential",
    }


def test_configs_naming_code_or_bombs(files, marker, tmp_path):
    for name, config in _config_cases(marker).items():
        path = write_variant(tmp_path / "config.keras", files["parts"], config=config)
        with pytest.raises(ModelFileError) as info:
            striate.models.load_model(path)
        assert repr(str(path)) in str(info.value), name
        TALLY["hostile files"] += 1
        assert not marker.exists(), name


# ---- files that are not striate files ------------------------------------------------------------------
def test_pickle_payloads(marker, target, tmp_path):
    payload = Payload(marker)
    raw = tmp_path / "pickle.keras"
    raw.write_bytes(pickle.dumps({"weights": payload}))
    refuse_all(raw, target, marker)
    for protocol in (0, 2):  # protocol 0 starts with "c", 2 with the 0x80 opcode
        raw.write_bytes(pickle.dumps(payload, protocol=protocol))
        refuse_all(raw, target, marker)
    buffer = io.BytesIO()
    np.savez(buffer, weights=np.array([payload], dtype=object))
    (tmp_path / "npz.keras").write_bytes(buffer.getvalue())
    refuse_all(tmp_path / "npz.keras", target, marker)
    buffer = io.BytesIO()
    np.save(buffer, np.array([payload], dtype=object), allow_pickle=True)
    (tmp_path / "npy.keras").write_bytes(buffer.getvalue())
    refuse_all(tmp_path / "npy.keras", target, marker)
    torch = pytest.importorskip("torch")
    torch.save({"weights": payload}, tmp_path / "torch.keras")
    refuse_all(tmp_path / "torch.keras", target, marker)


def test_tensor_with_object_dtype(marker, target, tmp_path):
    pickled = pickle.dumps(Payload(marker))
    header = json.dumps({"w": {"dtype": "O", "shape": [1], "data_offsets": [0, len(pickled)]}}).encode()
    (tmp_path / "object.keras").write_bytes(struct.pack("<Q", len(header)) + header + pickled)
    refuse_all(tmp_path / "object.keras", target, marker)


def test_declared_sizes_are_checked_before_allocating(marker, target, tmp_path):
    path = tmp_path / "bomb.keras"
    for n in (2**63, 2**40, 10**8 + 1):  # header lengths far beyond the file
        path.write_bytes(struct.pack("<Q", n) + b"{}" + b" " * 6)
        refuse_all(path, target, marker)
    for shape in ([2**31, 2**31], [10**12], [2**20] * 8):  # tensors far beyond the file
        header = json.dumps({"w": {"dtype": "F64", "shape": shape, "data_offsets": [0, 8]}}).encode()
        path.write_bytes(struct.pack("<Q", len(header)) + header + b"\0" * 8)
        refuse_all(path, target, marker)


def test_paths_that_are_not_files(marker, target, tmp_path):
    os.mkfifo(tmp_path / "fifo")  # opening a pipe for reading would block: must not hang
    os.symlink(tmp_path / "loop", tmp_path / "loop")
    os.symlink(tmp_path, tmp_path / "link-to-dir")
    for path in [tmp_path / "missing.keras", tmp_path, tmp_path / "fifo", "/dev/zero", "/dev/null",
                 tmp_path / "loop", tmp_path / "link-to-dir", tmp_path / "no" / "such" / "dir.keras", "",
                 "nul\0byte.keras"]:
        with pytest.raises(ModelPathError):
            striate.models.load_model(path)
        with pytest.raises(ModelPathError):
            target[0].load_weights(path)
        TALLY["hostile files"] += 2
    with pytest.raises(TypeError):
        striate.models.load_model(None)
    with pytest.raises(TypeError):
        target[0].load_weights(3.5)
