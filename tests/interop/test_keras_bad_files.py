"""Hostile and broken Keras files get striate's treatment: a clear ModelFileError, nothing executed,
bounded work and memory, and a failed load leaves the model as it was."""

import io
import json
import pickle
import zipfile

import numpy as np
import pytest

import striate
from striate import layers as S
from striate.models import ModelFileError
from striate.saving import ModelPathError
from striate.saving import keras_archive

h5py = pytest.importorskip("h5py")
RNG = np.random.default_rng(41)
PAYLOAD_RAN = []


class Payload:
    """Unpickling this would record that code ran: nothing may ever unpickle it."""

    def __reduce__(self):
        return (PAYLOAD_RAN.append, ("executed",))


def small_model():
    return striate.Sequential([striate.Input(shape=(4, 4, 2)), S.Conv2D(3, 3, name="conv"),
                               S.BatchNormalization(name="bn"), S.Flatten(name="flat"), S.Dense(2, name="out")])


@pytest.fixture
def archive(tmp_path):
    model = small_model()
    path = tmp_path / "good.keras"
    model.save(path, save_format="keras")
    return model, path, {n: zipfile.ZipFile(path).read(n) for n in keras_archive.MEMBERS}


def write_zip(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def refused(path, match=None, **kwargs):
    with pytest.raises(ModelFileError, match=match):
        striate.models.load_model(path, **kwargs)


def config_of(members):
    return json.loads(members["config.json"])


def with_config(members, config):
    return {**members, "config.json": json.dumps(config).encode()}


def test_truncated_archives_are_refused(archive, tmp_path):
    _, path, _ = archive
    data = path.read_bytes()
    for cut in sorted(set(RNG.integers(1, len(data) - 1, 40).tolist()) | {1, 10, 100, len(data) - 22, len(data) - 1}):
        (tmp_path / "cut.keras").write_bytes(data[:cut])
        with pytest.raises((ModelFileError, ModelPathError)):
            striate.models.load_model(tmp_path / "cut.keras")


def test_flipped_bits_are_refused_or_harmless(archive, tmp_path):
    """The zip's CRC covers every member: a changed byte is refused or lands where it changes nothing."""
    model, path, _ = archive
    data, x = path.read_bytes(), RNG.standard_normal((2, 4, 4, 2)).astype("float32")
    expected = model.predict(x, verbose=0)
    for _ in range(60):
        flipped = bytearray(data)
        flipped[RNG.integers(len(data))] ^= 1 << int(RNG.integers(8))
        (tmp_path / "flip.keras").write_bytes(bytes(flipped))
        try:
            loaded = striate.models.load_model(tmp_path / "flip.keras")
        except (ModelFileError, ModelPathError):
            continue
        np.testing.assert_array_equal(loaded.predict(x, verbose=0), expected)


@pytest.mark.parametrize("change,match", [
    (lambda m: {k: v for k, v in m.items() if k != "config.json"}, r"missing members \['config.json'\]"),
    (lambda m: {**m, "model.pkl": pickle.dumps(Payload())}, r"unexpected members \['model.pkl'\]"),
    (lambda m: {**m, "assets/vocab.txt": b"a"}, r"unexpected members.*assets"),
    (lambda m: {**m, "../evil.json": b"{}"}, r"unexpected members \['../evil.json'\]"),
    (lambda m: {**m, "/abs/config.json": b"{}"}, "unexpected members"),
    (lambda m: {**m, "config.json": pickle.dumps(Payload())}, "member 'config.json' is not valid JSON"),
    (lambda m: {**m, "model.weights.h5": pickle.dumps(Payload())}, "not an HDF5 file"),
    (lambda m: {**m, "config.json": b"[1, 2]"}, "must hold a JSON object"),
    (lambda m: {**m, "config.json": b"{" * 200 + b"}" * 200}, "nested deeper than 100"),
    (lambda m: {**m, "config.json": b'{"a": 1, "a": 2}'}, "duplicate keys"),
    (lambda m: {**m, "config.json": b'{"a": NaN}'}, "NaN"),
    (lambda m: {**m, "metadata.json": b"\xff\xfe"}, "member 'metadata.json' is not valid JSON"),
])
def test_wrong_members_are_refused(archive, tmp_path, change, match):
    _, _, members = archive
    refused(write_zip(tmp_path / "bad.keras", change(members)), match)
    assert PAYLOAD_RAN == []


def test_duplicate_member_names_are_refused(archive, tmp_path):
    _, _, members = archive
    path = write_zip(tmp_path / "dup.keras", members)
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(path, "a") as z:
        z.writestr("config.json", b"{}")
    refused(path, "lists a member twice")


def test_zip_bombs_are_refused_before_they_inflate(archive, tmp_path):
    _, _, members = archive
    bomb = {**members, "model.weights.h5": b"\0" * (64 * 2**20)}  # 64 MB of zeros deflate to ~64 kB
    refused(write_zip(tmp_path / "bomb.keras", bomb, zipfile.ZIP_DEFLATED), "zip bomb")
    big = {**members, "config.json": b" " * (keras_archive.MAX_JSON_BYTES + 1)}
    refused(write_zip(tmp_path / "big.keras", big), "above the limit")


@pytest.mark.parametrize("edit,match", [
    (lambda c: c["config"]["layers"][1].update(class_name="LSTM"), r"layer 'conv' \(LSTM\): striate has no layer class"),
    (lambda c: c["config"]["layers"][1].update(class_name="os.system"), "no layer class 'os.system'"),
    (lambda c: c["config"]["layers"][1]["config"].update(kernel_constraint={"class_name": "NonNeg9", "config": {}}),
     r"NonNeg9"),
    (lambda c: c["config"]["layers"][1]["config"].update(lora_rank=4), "lora_rank=4 is not supported"),
    (lambda c: c["config"]["layers"][1]["config"]["kernel_initializer"].update(class_name="Orthogonal9"),
     "initializer 'Orthogonal9' is not one striate has"),
    (lambda c: c["config"]["layers"][1]["config"].update(dtype={"class_name": "DTypePolicy",
                                                                "config": {"name": "mixed_float16"}}),
     "mixed-precision"),
    (lambda c: c["config"]["layers"][1]["config"].update(filters=-3), r"filters must be a positive integer"),
    (lambda c: c["config"]["layers"][-1]["config"].update(units=10**9), "beyond the .* bytes"),
    (lambda c: c["config"]["layers"][0]["config"].update(batch_shape=[None, 10**5, 10**5, 2]), "values per sample"),
    (lambda c: c.update(class_name="Lambda"), "Lambda"),
    (lambda c: c["config"]["layers"].extend([c["config"]["layers"][-1]] * 1200), "more than 1000 layers"),
    (lambda c: c["config"].update(layers="dense"), "needs a 'layers' list, got str"),
])
def test_bad_configs_name_the_layer_and_the_fault(archive, tmp_path, edit, match):
    _, _, members = archive
    config = config_of(members)
    edit(config)
    refused(write_zip(tmp_path / "bad.keras", with_config(members, config)), match)


def rewrite_weights(members, edit):
    """The archive with its HDF5 weights changed by ``edit(h5file)``."""
    buffer = io.BytesIO(members["model.weights.h5"])
    with h5py.File(buffer, "a") as f:
        edit(f)
    return {**members, "model.weights.h5": buffer.getvalue()}


def _replace(f, path, data):
    del f[path]
    f[path] = data


@pytest.mark.parametrize("edit,match", [
    (lambda f: _replace(f, "layers/conv2d/vars/0", np.zeros((3, 3, 2, 4), "float32")),
     r"layer 'conv' \(Conv2D, group layers/conv2d/vars\), weight 0 has shape \(3, 3, 2, 4\).*\(3, 3, 2, 3\)"),
    (lambda f: _replace(f, "layers/dense/vars/1", np.array(["a", "b"], dtype="S1")), "dtype |S1, not a number"),
    (lambda f: _replace(f, "layers/dense/vars/1", np.zeros(2, "int32")), "dtype int32, but weight"),
    (lambda f: f.__delitem__("layers/batch_normalization/vars/3"), r"layer 'bn'.*holds 3 weights.*has 4"),
    (lambda f: f.__delitem__("layers/dense"), r"layer 'out'.*is missing"),
    (lambda f: f["layers/dense/vars"].create_dataset("2", data=np.zeros(1)), "holds 3 weights"),
    (lambda f: (f.__delitem__("layers/dense/vars/0"), f["layers/dense/vars"].__setitem__(
        "0", h5py.SoftLink("/layers/conv2d/vars/0"))), "SoftLink.*never links"),
    (lambda f: (f.__delitem__("layers/dense/vars/0"), f["layers/dense/vars"].__setitem__(
        "0", h5py.ExternalLink("/etc/passwd", "/x"))), "ExternalLink"),
    (lambda f: f["layers/dense/vars/1"].__setitem__(..., np.ones(2)), "checksum"),
])
def test_bad_weights_name_the_layer_and_leave_the_model_unchanged(archive, tmp_path, edit, match):
    _, _, members = archive
    bad = rewrite_weights(members, edit)
    refused(write_zip(tmp_path / "bad.keras", bad), match)
    model = small_model()  # the same file's weights through load_weights: refused, the model untouched
    before = model.get_weights()
    (tmp_path / "bad.weights.h5").write_bytes(bad["model.weights.h5"])
    with pytest.raises(ModelFileError, match=match):
        model.load_weights(tmp_path / "bad.weights.h5")
    assert all((a == b).all() for a, b in zip(before, model.get_weights()))


def test_external_storage_datasets_are_never_read(archive, tmp_path):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.arange(2, dtype="float32").tobytes())
    _, _, members = archive

    def edit(f):
        del f["layers/dense/vars/1"]
        f["layers/dense/vars"].create_dataset("1", shape=(2,), dtype="float32", external=[(str(secret), 0, 8)])
    refused(write_zip(tmp_path / "ext.keras", rewrite_weights(members, edit)), "external or virtual")


def test_hdf5_files_that_are_not_keras_weights(tmp_path):
    model = small_model()
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["data"] = np.zeros(3)
    with pytest.raises(ModelFileError, match="not a Keras weights file"):
        model.load_weights(tmp_path / "other.h5")
    with h5py.File(tmp_path / "legacy.h5", "w") as f:
        f.attrs["layer_names"] = [b"conv", b"missing"]
        f.create_group("conv").attrs["weight_names"] = [b"conv/kernel:0"]
        f.create_group("missing").attrs["weight_names"] = [b"k:0"]
    with pytest.raises(ModelFileError, match="holds weights for 2 layers, model .* has 3"):
        model.load_weights(tmp_path / "legacy.h5")
    (tmp_path / "junk.weights.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    with pytest.raises(ModelFileError, match="not a readable HDF5 file"):
        model.load_weights(tmp_path / "junk.weights.h5")


def test_a_pickle_named_keras_is_never_unpickled(tmp_path):
    (tmp_path / "model.keras").write_bytes(pickle.dumps(Payload()))
    with pytest.raises(ModelFileError, match="pickle"):
        striate.models.load_model(tmp_path / "model.keras")
    assert PAYLOAD_RAN == []
