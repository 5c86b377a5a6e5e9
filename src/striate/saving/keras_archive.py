"""Keras 3 ``.keras`` archives: read any that striate's layers can build, write ones that Keras opens.

A Keras 3 ``.keras`` file is a zip archive of three members::

    metadata.json      {"keras_version": ..., "date_saved": ...}
    config.json        the architecture (every layer's class and config, the graph)
    model.weights.h5   the weights, in Keras 3's HDF5 layout (see ``keras_h5.py``)

Reading is bounded and runs no code: the archive must hold exactly these
members (plus empty folders), each within a size limit and a compression ratio
that no real weights reach (a zip bomb is refused before it is inflated), with
plain names (no folders, ``..`` or absolute paths), unencrypted, stored or
deflated; the JSON is parsed with a nesting limit, duplicate keys refused; the
architecture is translated by ``keras_config.py`` and built inside the same
allocation budget as striate's own files; the weights are checked one by one
against the built model before any is assigned. Every failure is a
:class:`~striate.saving.ModelFileError` naming the file and the part at fault.

Writing needs h5py; the file is written atomically (the old file survives a failure).
"""

import datetime
import io
import json
import zipfile

from striate.saving.atomic import atomic_write
from striate.saving.errors import ModelFileError, SavingError
from striate.saving.format import open_regular_file
from striate.saving.keras_config import from_keras_config
from striate.saving.keras_h5 import read_keras_weights, require_h5py, write_keras_weights
from striate.saving.keras_writer import KERAS_FORMAT_VERSION, to_keras_config
from striate.saving.serialization import allocation_budget, count_layer_configs, deserialize_layer

__all__ = ["load_keras_archive", "save_keras_archive", "read_archive", "parse_json", "ZIP_MAGIC", "MAX_MEMBER_BYTES",
           "MAX_JSON_BYTES", "MAX_COMPRESSION_RATIO", "MAX_JSON_DEPTH"]

ZIP_MAGIC = b"PK\x03\x04"
MEMBERS = ("metadata.json", "config.json", "model.weights.h5")
MAX_JSON_BYTES = 64 * 2**20  # a ResNet50 config is ~0.3 MB
MAX_MEMBER_BYTES = 16 * 2**30  # the weights of the largest model striate would reasonably hold
# Deflated float weights shrink by 1.1-1.5x; a member that claims to shrink by more than this is a bomb.
MAX_COMPRESSION_RATIO = 100
MAX_JSON_DEPTH = 100
_SLACK = 64 * 2**20


def _fail(name, message):
    raise ModelFileError(f"Keras file {name!r}: {message}")


def _check_member(info, name):
    if info.flag_bits & 0x1:
        _fail(name, f"member {info.filename!r} is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        _fail(name, f"member {info.filename!r} uses compression method {info.compress_type}; Keras writes stored "
                    "or deflated members only")
    limit = MAX_JSON_BYTES if info.filename.endswith(".json") else MAX_MEMBER_BYTES
    if info.file_size > limit:
        _fail(name, f"member {info.filename!r} declares {info.file_size} bytes, above the limit of {limit}")
    if info.compress_type == zipfile.ZIP_DEFLATED and info.file_size > MAX_COMPRESSION_RATIO * info.compress_size + 2**20:
        _fail(name, f"member {info.filename!r} would inflate {info.compress_size} bytes to {info.file_size} "
                    f"(more than {MAX_COMPRESSION_RATIO}x): refused as a zip bomb")


def _read_member(archive, info, name):
    with archive.open(info) as member:
        data = member.read(info.file_size + 1)  # never more than declared, whatever the stream holds
    if len(data) != info.file_size:
        _fail(name, f"member {info.filename!r} holds {len(data)} bytes, its header declares {info.file_size}")
    return data


def read_archive(path, required=MEMBERS):
    """``{member: bytes}`` of a ``.keras`` archive, after every structural check.

    Raises:
        ModelFileError: not a zip, truncated, a missing, unexpected or oversized member.
        ModelPathError: see :func:`~striate.saving.format.open_regular_file`.
    """
    with open_regular_file(path, "Keras file") as file:
        name = str(path)
        try:
            with zipfile.ZipFile(file) as archive:
                infos = archive.infolist()
                names = [i.filename for i in infos]
                if len(set(names)) != len(names):
                    _fail(name, f"the archive lists a member twice: {sorted(n for n in names if names.count(n) > 1)[:3]}")
                files = [i for i in infos if not (i.is_dir() and i.file_size == 0)]
                unexpected = [i.filename for i in files if i.filename not in MEMBERS]
                if unexpected:
                    hint = " (assets or sharded weights, which striate's layers never need)" \
                        if any(n.startswith("assets/") or n.endswith(".json") for n in unexpected) else ""
                    _fail(name, f"unexpected members {unexpected[:5]}{hint}; a Keras model archive holds "
                                f"exactly {list(MEMBERS)}")
                missing = [m for m in required if m not in names]
                if missing:
                    _fail(name, f"missing members {missing}: not a complete Keras 3 model archive")
                for info in files:
                    _check_member(info, name)
                return {i.filename: _read_member(archive, i, name) for i in files}
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, ValueError) as error:
            if isinstance(error, ModelFileError):
                raise
            _fail(name, f"not a readable zip archive (truncated or corrupt: {error})")
        except OSError as error:
            _fail(name, f"cannot read the archive ({error})")


def _depth(text):
    """The deepest nesting of ``[``/``{`` in JSON text (strings skipped), in one pass."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _unique_keys(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate keys {sorted({k for k in keys if keys.count(k) > 1})[:5]}")
    return dict(pairs)


def _no_nan(name):
    if name == "NaN":
        raise ValueError("NaN in a config")
    return float(name)


def parse_json(data, member, name):
    """A JSON object from ``data``: UTF-8, at most :data:`MAX_JSON_DEPTH` deep, no duplicate keys, no NaN."""
    try:
        text = data.decode("utf-8")
        if _depth(text) > MAX_JSON_DEPTH:
            raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels")
        value = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_nan)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        _fail(name, f"member {member!r} is not valid JSON ({str(error)[:200]})")
    if not isinstance(value, dict):
        _fail(name, f"member {member!r} must hold a JSON object")
    return value


def _h5(data, name):
    h5py = require_h5py(f"reading the weights of the Keras file {name!r}")
    try:
        return h5py.File(io.BytesIO(data), "r")
    except (OSError, ValueError) as error:
        _fail(name, f"member 'model.weights.h5' is not an HDF5 file ({str(error)[:160]})")


def build_model(config, name, budget_bytes, custom_objects=None, safe_mode=True):
    """The striate model a Keras ``config.json`` describes, built within ``budget_bytes`` of weights."""
    from striate.models.model import Model

    extra = {}
    try:
        count_layer_configs(config)
        converted = from_keras_config(config, custom_objects, safe_mode, extra)
        with allocation_budget(budget_bytes):
            model = deserialize_layer(converted, {**(custom_objects or {}), **extra})
    except SavingError as error:
        _fail(name, str(error))
    except Exception as error:  # a hostile config can make any constructor fail: one error type out
        _fail(name, f"could not rebuild the model from its config ({type(error).__name__}: {str(error)[:300]})")
    if not isinstance(model, Model):
        _fail(name, f"config.json describes a {type(model).__name__}, not a model")
    return model


def assign_checked(pairs):
    """Write ``[(variable, array)]`` into the model; called only after every array passed its checks."""
    for variable, array in pairs:
        variable.data[...] = array


def load_keras_archive(filepath, custom_objects=None, compile=True, safe_mode=True):
    """A striate model from a Keras 3 ``.keras`` file (see :func:`striate.saving.load_model`)."""
    name = str(filepath)
    members = read_archive(filepath)
    config = parse_json(members["config.json"], "config.json", name)
    parse_json(members["metadata.json"], "metadata.json", name)
    model = build_model(config, name, 8 * len(members["model.weights.h5"]) + _SLACK, custom_objects, safe_mode)
    with _h5(members["model.weights.h5"], name) as root:
        pairs = read_keras_weights(root, model, name)
    assign_checked(pairs)
    spec = config.get("compile_config")
    if compile and spec:
        from striate.saving.keras_compile import compile_from_keras

        compile_from_keras(model, spec, custom_objects, name)
    return model


def archive_bytes(model):
    """The content of a ``.keras`` file for ``model`` (raises before anything is written)."""
    h5py = require_h5py("writing a Keras .keras file")
    config = json.dumps(to_keras_config(model)).encode("utf-8")
    metadata = json.dumps({"keras_version": KERAS_FORMAT_VERSION, "striate_format": "keras",
                           "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}).encode("utf-8")
    weights = io.BytesIO()
    with h5py.File(weights, "w") as root:
        write_keras_weights(root, model)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for member, data in (("metadata.json", metadata), ("config.json", config),
                             ("model.weights.h5", weights.getvalue())):
            archive.writestr(zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return out.getvalue()


def save_keras_archive(model, path, overwrite=True):
    """Write ``model`` as a Keras 3 ``.keras`` archive at ``path``, atomically."""
    content = archive_bytes(model)
    atomic_write(path, lambda file: file.write(content), overwrite, "Keras file")
