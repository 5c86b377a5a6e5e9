"""Property-based fuzzing of the loaders (hypothesis): mutated files, generated headers, generated configs.

The property is the same for every input: ``load_model`` and ``load_weights``
either raise :class:`~striate.saving.SavingError` (never another exception,
never a crash or a hang), or load a model identical to the one saved. The runs
are bounded (``max_examples``) and derandomised so CI time is fixed; set
``STRIATE_FUZZ_EXAMPLES`` to explore longer with fresh random inputs, e.g.
``STRIATE_FUZZ_EXAMPLES=20000 pytest tests/saving/test_loader_fuzz.py``.
"""

import json
import os
import struct
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import striate
from striate.saving import SavingError
from striate.saving.format import DTYPES, parse_bytes, read_tensors, write_tensors
from tests.saving.factories import BUILDERS, same_weights, trained
from tests.saving.tally import TALLY

EXAMPLES = int(os.environ.get("STRIATE_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=EXAMPLES or 150, deadline=None, derandomize=not EXAMPLES, database=None,
                suppress_health_check=list(HealthCheck))

_FOLDER = tempfile.mkdtemp(prefix="striate-fuzz-")
_MODEL, _, _ = trained("sequential", epochs=1)
_MODEL.save(os.path.join(_FOLDER, "model.keras"))
with open(os.path.join(_FOLDER, "model.keras"), "rb") as _file:
    CONTENT = _file.read()
PARTS = read_tensors(os.path.join(_FOLDER, "model.keras"))
_TARGET = BUILDERS["sequential"]()
_TARGET_WEIGHTS = _TARGET.get_weights()


def _load_both(content):
    """Load ``content`` both ways; True if it loaded (then it must be the saved model)."""
    path = os.path.join(_FOLDER, "fuzzed.keras")
    with open(path, "wb") as file:
        file.write(content)
    TALLY["hostile files"] += 1
    try:
        loaded = striate.models.load_model(path)
    except SavingError:
        loaded = None
    if loaded is not None:
        assert same_weights(loaded, _MODEL) and loaded.get_config() == _MODEL.get_config()
    try:
        _TARGET.load_weights(path)
        _TARGET.set_weights(_TARGET_WEIGHTS)
    except SavingError:
        assert all(a.tobytes() == b.tobytes() for a, b in zip(_TARGET.get_weights(), _TARGET_WEIGHTS))
    return loaded is not None


edits = st.lists(st.tuples(st.sampled_from(["flip", "set", "insert", "delete", "truncate", "duplicate"]),
                           st.integers(0, 2**16), st.integers(0, 255)), min_size=1, max_size=6)


@FUZZ
@given(edits)
def test_mutated_model_files(changes):
    content = bytearray(CONTENT)
    for op, position, value in changes:
        i = position % max(len(content), 1)
        if op == "flip" and content:
            content[i] ^= value or 1
        elif op == "set" and content:
            content[i] = value
        elif op == "insert":
            content[i:i] = bytes([value])
        elif op == "delete" and content:
            del content[i]
        elif op == "truncate":
            del content[i:]
        elif op == "duplicate":
            content[i:i] = content[i:i + value]
    _load_both(bytes(content))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20)
entries = st.fixed_dictionaries({
    "dtype": st.sampled_from(sorted(DTYPES) + ["O", "BF16", "F8_E4M3", "", "f4"]),
    "shape": st.lists(st.integers(-1, 2**40) | st.sampled_from([0, 1, 2, 3]), max_size=5),
    "data_offsets": st.lists(st.integers(-1, 2**62) | st.integers(0, 64), min_size=2, max_size=2),
}) | json_values


@FUZZ
@given(st.dictionaries(st.text(max_size=10), entries, max_size=5), st.binary(max_size=96),
       st.dictionaries(st.sampled_from(["format", "format_version", "weights", "checksum", "x"]),
                       st.text(max_size=20), max_size=4))
def test_generated_headers(header, data, metadata):
    """Arbitrary headers: the parser refuses or returns arrays that exactly tile the data."""
    header = {**header, "__metadata__": metadata} if metadata else header
    text = json.dumps(header).encode()
    content = struct.pack("<Q", len(text)) + text + data
    TALLY["hostile files"] += 1
    try:
        _, tensors = parse_bytes(content)
    except SavingError:
        return
    assert sum(t.nbytes for t in tensors.values()) == len(data)
    _load_both(content)


layer_names = st.sampled_from(["Dense", "Conv2D", "BatchNormalization", "Dropout", "Flatten", "Reshape",
                               "InputLayer", "Sequential", "Functional", "Add", "Concatenate", "MaxPooling2D",
                               "UpSampling2D", "ZeroPadding2D", "Lambda", "os.system", "Activation"])
layer_configs = st.recursive(
    st.fixed_dictionaries({"class_name": layer_names, "config": st.dictionaries(
        st.sampled_from(["units", "filters", "kernel_size", "rate", "target_shape", "batch_shape", "activation",
                         "name", "layers", "size", "padding", "axis", "pool_size", "use_bias", "dtype"]),
        json_values, max_size=5)}),
    lambda children: st.fixed_dictionaries({"class_name": st.sampled_from(["Sequential", "Functional"]),
                                            "config": st.fixed_dictionaries({"layers": st.lists(children,
                                                                                                max_size=4)})}),
    max_leaves=8)


def _replace(config, path, value):
    """``config`` with the node at ``path`` (a list of keys/indices, taken modulo) replaced by ``value``."""
    if not path or not isinstance(config, (dict, list)) or not config:
        return value
    keys = list(config) if isinstance(config, dict) else list(range(len(config)))
    key = keys[path[0] % len(keys)]
    copy = dict(config) if isinstance(config, dict) else list(config)
    copy[key] = _replace(config[key], path[1:], value)
    return copy


@FUZZ
@given(st.lists(st.integers(0, 50), max_size=6), json_values | layer_configs, st.booleans())
def test_generated_configs(path, value, mutate):
    """Configs changed anywhere (or made up): refused with ModelFileError, or the very same model."""
    config = json.loads(PARTS[0]["config"])
    config = _replace(config, path, value) if mutate else value
    metadata = {**PARTS[0], "config": json.dumps(config)}
    with open(os.path.join(_FOLDER, "config.keras"), "wb") as file:
        write_tensors(file, PARTS[1], metadata)
    TALLY["hostile files"] += 1
    try:
        loaded = striate.models.load_model(os.path.join(_FOLDER, "config.keras"))
    except SavingError:
        return
    # It loaded, so the config (perhaps a renamed layer, another activation) rebuilt an
    # architecture whose weights are exactly the file's.
    assert same_weights(loaded, _MODEL)
