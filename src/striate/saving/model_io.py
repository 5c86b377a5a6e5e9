"""Model files: ``model.save``, ``load_model``, ``save_weights`` and ``load_weights``.

A model file (``.keras``) is one safetensors file (see ``format.py``) whose
metadata holds the architecture as JSON (every layer's ``get_config``), the
compile settings, the state of the layers' own random generators
(``Dropout(seed=...)``) and the list of weight tensors, and whose tensors are
the weights and the optimizer's state. A weights file (``.weights.safetensors``)
holds the weights alone. Nothing in either can run code: the config names
classes that striate knows or the user registered, and arrays are raw numbers.
Every write is atomic (``atomic.py``): a crash mid-save leaves the old file.

Suffixes: ``model.save`` wants ``.keras`` (Keras's suffix, so Keras code runs
unchanged). By default the content is striate's own format above (NumPy only,
checksummed, with the optimizer state for an exact resume), which Keras cannot
read; ``model.save(path, save_format="keras")`` writes Keras 3's own zip archive
instead (needs h5py), which Keras opens. ``save_weights`` wants
``.weights.safetensors`` (striate's) or ``.weights.h5`` (Keras 3's layout, h5py).
The loaders go by content, not by name: ``load_model`` also opens Keras 3
``.keras`` archives, ``load_weights`` also reads Keras's ``.weights.h5`` and
legacy ``.h5`` weights (see ``keras_archive.py`` and ``keras_h5.py``).

>>> import os, tempfile
>>> import numpy as np
>>> import striate
>>> model = striate.Sequential([striate.Input(shape=(3,)), striate.layers.Dense(2)])
>>> model.compile(optimizer="adam", loss="mse")
>>> _ = model.fit(np.ones((4, 3)), np.zeros((4, 2)), epochs=1, verbose=0)
>>> path = os.path.join(tempfile.mkdtemp(), "model.keras")
>>> model.save(path)
>>> loaded = striate.models.load_model(path)
>>> bool((loaded.predict(np.ones((1, 3)), verbose=0) == model.predict(np.ones((1, 3)), verbose=0)).all())
True
>>> loaded.optimizer.iterations
1
>>> weights = os.path.join(os.path.dirname(path), "model.weights.safetensors")
>>> model.save_weights(weights)
>>> twin = striate.Sequential([striate.Input(shape=(3,)), striate.layers.Dense(2)])
>>> twin.load_weights(weights)
>>> all((a == b).all() for a, b in zip(twin.get_weights(), model.get_weights()))
True
"""

import os

from striate._object_registry import custom_object_scope, scope_objects
from striate.saving.atomic import atomic_write
from striate.saving.compile_config import decode_compile, encode_compile
from striate.saving.errors import ModelFileError, SavingError
from striate.saving.format import read_tensors, write_tensors
from striate.saving.metadata import BACKUP, MODEL, WEIGHTS, check_format, json_member, new_metadata
from striate.saving.rng_state import capture, prepare_restore
from striate.saving.serialization import allocation_budget, count_layer_configs, deserialize_layer, serialize_layer
from striate.saving.weights import (assign, check_all_used, match_optimizer_state, match_weights,
                                    optimizer_tensors, set_optimizer_state, weight_tensors)

__all__ = ["SavingMixin", "load_model", "save_model", "save_weights", "load_weights", "model_contents",
           "MODEL_SUFFIX", "WEIGHTS_SUFFIX"]

MODEL_SUFFIX = ".keras"
_BUDGET_SLACK = 64 * 2**20
WEIGHTS_SUFFIX = ".weights.safetensors"
KERAS_WEIGHTS_SUFFIX = ".weights.h5"


def _check_suffix(filepath, suffix, method):
    try:
        path = os.fspath(filepath)
    except TypeError:
        raise TypeError(f"{method}: filepath must be a str or os.PathLike, got {type(filepath).__name__}") from None
    if not isinstance(path, str) or not path.endswith(suffix):
        hint = ""
        if str(path).endswith(".h5"):
            hint = (" (striate writes HDF5 only in Keras 3's layouts: model.save('m.keras', save_format='keras'), "
                    "save_weights('m.weights.h5'))")
        raise ValueError(f"{method}: the file name must end in {suffix!r}{hint}, got {path!r}")
    return path


def model_contents(model, kind=MODEL, extra=None):
    """``(metadata, tensors)`` of a model file of ``model`` (architecture, weights, compile, optimizer).

    Args:
        kind: ``MODEL`` (with the config) or ``BACKUP`` (weights and optimizer only).
        extra: more JSON members for the metadata.

    Raises:
        ValueError: for a model whose architecture is code (subclassed, Lambda layers),
            or compile settings that cannot be named in a file.
    """
    members = {}
    if kind == MODEL:
        members["config"] = serialize_layer(model)
        members["random"] = {"layers": capture(model)["layers"]}  # seeded layers' generators (Dropout(seed=))
    spec = encode_compile(model) if kind == MODEL else None
    variables, taken = model.weights, set()
    names, tensors = weight_tensors(variables, taken)
    members["weights"] = names
    if kind == MODEL:
        members["compile"] = spec
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and (spec is not None or kind == BACKUP):
        keys, state = optimizer_tensors(optimizer, variables, taken)
        members["optimizer"] = keys
        tensors.update(state)
    members.update(extra or {})
    try:
        metadata = new_metadata(kind, **members)
    except (TypeError, ValueError) as error:
        raise ValueError(f"Model {model.name!r}: its config cannot be written as JSON ({error}); a layer's "
                         "get_config must return plain numbers, strings, lists and dicts") from None
    return metadata, tensors


class SavingMixin:
    """File methods mixed into :class:`~striate.models.Model`."""

    def __reduce__(self):
        """Pickle (and deepcopy) through the model file: see ``saving/pickling.py``."""
        from striate.saving.pickling import reduce_model

        return reduce_model(self)

    def save(self, filepath, overwrite=True, save_format=None, format=None):  # noqa: A002 - the spelling users try
        """Write the whole model to one file: architecture, weights, compile settings, optimizer state.

        Args:
            filepath: path ending in ``.keras``; its folder must exist.
            overwrite: if False and the file exists, raise instead (never a prompt).
            save_format: None or ``"striate"`` for striate's own format (the default:
                everything above, readable with NumPy alone); ``"keras"`` for Keras 3's zip
                archive, which Keras opens (architecture and weights; needs h5py; the
                optimizer's state stays behind). Keras 3 accepts the same argument (with
                a deprecation warning) and writes its own format either way.
            format: the same choice under the name ``model.export`` uses (``format="keras"``).

        Raises:
            ValueError: for another suffix, a subclassed model or a Lambda layer (their
                architecture is code: use :meth:`save_weights`), or a custom loss, metric or
                optimizer that is not registered.
            ModelPathError: when the file cannot be written (the old file is then intact).
        """
        path = _check_suffix(filepath, MODEL_SUFFIX, "save")
        if format is not None and save_format is not None and format != save_format:
            raise ValueError(f"save: format={format!r} and save_format={save_format!r} disagree; give one")
        save_format = save_format if format is None else format
        if save_format not in (None, "striate", "keras"):
            raise ValueError(f"save: save_format must be None, 'striate' or 'keras', got {save_format!r}")
        if save_format == "keras":
            from striate.saving.keras_archive import save_keras_archive

            return save_keras_archive(self, path, overwrite)
        metadata, tensors = model_contents(self)
        atomic_write(path, lambda file: write_tensors(file, tensors, metadata), overwrite, "model file")

    def export(self, filepath, format="tf_saved_model", verbose=None, input_signature=None, **kwargs):  # noqa: A002
        """Export the model for inference in another runtime (Keras 3's ``export``); only ``format="onnx"``.

        Keras's default format, a TensorFlow SavedModel, needs TensorFlow, so it is
        refused: pass ``format="onnx"``. See :func:`striate.interop.export_onnx` for the
        file (channels last, dynamic batch axis) and ``opset_version``.

        Raises:
            ValueError: for another format, or a layer ONNX export does not cover.
        """
        if format != "onnx":
            raise ValueError(f"export: striate exports only format='onnx', got format={format!r}")
        from striate.interop.onnx_export import export_onnx

        export_onnx(self, filepath, verbose=verbose, input_signature=input_signature, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Write the weights alone (Keras's :attr:`weights` order) to a ``.weights.safetensors`` file.

        The file is a plain safetensors file: ``safetensors.numpy.load_file`` reads it.
        A name ending in ``.weights.h5`` writes Keras 3's HDF5 layout instead (needs
        h5py), which Keras's ``model.load_weights`` reads into the same architecture.

        Raises:
            ValueError: for another suffix.
            ModelPathError: when the file cannot be written (the old file is then intact).
        """
        if isinstance(filepath, (str, os.PathLike)) and os.fspath(filepath).endswith(KERAS_WEIGHTS_SUFFIX):
            from striate.saving.keras_weights import save_keras_weights

            return save_keras_weights(self, os.fspath(filepath), overwrite)
        path = _check_suffix(filepath, WEIGHTS_SUFFIX, "save_weights")
        names, tensors = weight_tensors(self.weights)
        metadata = new_metadata(WEIGHTS, weights=names)
        atomic_write(path, lambda file: write_tensors(file, tensors, metadata), overwrite, "weights file")

    def load_weights(self, filepath):
        """Overwrite the weights from a weights file, a model file or a backup.

        Weights match by position in :attr:`weights`; the count, each shape and each
        dtype must agree. Everything is checked before the first weight is written, so
        a failed load leaves the model as it was. A safetensors file written by another
        tool (without striate's metadata) loads when its tensors are named by the
        model's weight paths (``dense/kernel``). Keras's files load too: a
        ``.weights.h5`` or ``.keras`` of Keras 3 (matched as Keras matches them: by
        layer class and position in Keras's layer order), and a legacy Keras 2 ``.h5`` such as
        the ImageNet weights of ``keras.applications`` (matched by layer name when every
        layer's name is in the file, else by position, as Keras does); these need h5py.

        Raises:
            ModelFileError: for a corrupt or mismatching file (the message names the weight).
            ModelPathError: for a missing path or one that is not a regular file.
        """
        what = "weights file"
        from striate.saving.keras_weights import file_kind, load_keras_weights

        if file_kind(filepath, what) in ("zip", "hdf5"):
            return load_keras_weights(self, filepath)
        metadata, tensors = read_tensors(filepath, what)
        name = os.fspath(filepath)
        kind = check_format(metadata, {MODEL, WEIGHTS, BACKUP}, name, what) if "format" in metadata else None
        variables = self.weights
        if not variables and tensors:
            raise ModelFileError(f"model {self.name!r} has no weights yet, so {name!r} cannot be loaded into it; "
                                 "build it first (give the input shape, or call it on data)")
        arrays, used = match_weights(variables, metadata, tensors, name, what, self.name)
        if kind == WEIGHTS:
            check_all_used(tensors, used, name, what)
        assign(variables, arrays)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """A model from a file written by :meth:`Model.save` (or a Keras 3 ``.keras`` archive), ready to use.

    The weights are bit-identical to the saved ones, and with ``compile=True`` the
    model is compiled as it was and its optimizer has its saved state (slots and
    ``iterations``), so ``fit`` carries on exactly where it stopped.

    Args:
        filepath: the ``.keras`` file.
        custom_objects: ``{name: class or function}`` for custom layers, losses,
            metrics and optimizers that are not registered with
            :func:`~striate.saving.register_keras_serializable`.
        compile: compile the model with the saved settings and restore the
            optimizer's state (the default), or leave it uncompiled.
        safe_mode: striate's own files cannot hold code, so for them this changes
            nothing. A Keras 3 ``.keras`` file may hold Lambda layers: refused while
            ``safe_mode=True`` (Keras's rule); with ``safe_mode=False`` a Lambda's function
            is looked up by name in ``custom_objects`` (bytecode is never run).

    Raises:
        ModelFileError: (a ``ValueError``) for any bad content: truncated or corrupt
            data, a newer format version, an unknown or refused layer class, weights
            that do not fit the architecture, bad compile settings.
        ModelPathError: (an ``OSError``) for a missing path or one that is not a regular file.
        TypeError: when ``custom_objects`` is not a dict.
    """
    from striate.models.model import Model

    if custom_objects is not None and not isinstance(custom_objects, dict):
        raise TypeError(f"load_model: custom_objects must be a dict, got {type(custom_objects).__name__}")
    what = "model file"
    from striate.saving.keras_weights import file_kind

    if file_kind(filepath, what) == "zip":  # a Keras 3 .keras archive
        from striate.saving.keras_archive import load_keras_archive

        return load_keras_archive(filepath, custom_objects, compile, safe_mode)
    metadata, tensors = read_tensors(filepath, what)
    name = os.fspath(filepath)
    check_format(metadata, {MODEL}, name, what)
    config = json_member(metadata, "config", name, what)
    # What the config may allocate while it is rebuilt: generous (weights may be meant for other
    # dtypes; mismatches get their precise message from match_weights), yet bounded by the real file.
    budget = 8 * sum(t.nbytes for t in tensors.values()) + _BUDGET_SLACK
    try:
        count_layer_configs(config)
        with allocation_budget(budget), custom_object_scope(custom_objects or {}):
            model = deserialize_layer(config, custom_objects)
    except SavingError as error:
        raise ModelFileError(f"{what} {name!r}: {error}") from None
    except Exception as error:  # a hostile config can make any layer constructor fail: one error type out
        raise ModelFileError(f"{what} {name!r}: could not rebuild the model from its config "
                             f"({type(error).__name__}: {str(error)[:300]})") from None
    if not isinstance(model, Model):
        raise ModelFileError(f"{what} {name!r} describes a {type(model).__name__}, not a model")
    variables = model.weights
    arrays, used = match_weights(variables, metadata, tensors, name, what, model.name)
    state, used_state = match_optimizer_state(variables, metadata, tensors, name, what)
    check_all_used(tensors, used | used_state, name, what)
    spec = json_member(metadata, "compile", name, what, default=None)
    random_state = json_member(metadata, "random", name, what, default={"layers": {}})
    prepare_restore(model, random_state, f"{what} {name!r}", include_global=False)()
    assign(variables, arrays)
    if compile and spec is not None:
        try:
            with custom_object_scope(custom_objects or {}):
                model.compile(**decode_compile(spec, {**scope_objects(), **(custom_objects or {})}))
        except Exception as error:  # the same: bad settings in a file are the file's fault
            raise ModelFileError(f"{what} {name!r}: its compile settings are invalid "
                                 f"({type(error).__name__}: {str(error)[:300]})") from None
        if state is not None:
            set_optimizer_state(model.optimizer, state, variables, name, what)
    return model


def save_model(model, filepath, overwrite=True, **kwargs):
    """``keras.saving.save_model``: the same as ``model.save(filepath, overwrite)``."""
    del kwargs  # Keras's zipped= and include_optimizer= have no meaning for striate's single file
    model.save(filepath, overwrite=overwrite)


def save_weights(model, filepath, overwrite=True, **kwargs):
    """``keras.saving.save_weights``: the same as ``model.save_weights(filepath, overwrite)``."""
    del kwargs
    model.save_weights(filepath, overwrite=overwrite)


def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    """``keras.saving.load_weights``: the same as ``model.load_weights(filepath)``.

    Raises:
        ValueError: for ``skip_mismatch=True`` (every weight must fit).
    """
    del kwargs
    if skip_mismatch:
        raise ValueError("load_weights: skip_mismatch=True is not supported; every weight must fit")
    model.load_weights(filepath)
