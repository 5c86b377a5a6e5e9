"""``save_weights`` / ``load_weights`` for Keras's HDF5 files and ``.keras`` archives.

>>> import os, tempfile
>>> import numpy as np
>>> import striate
>>> model = striate.Sequential([striate.Input(shape=(3,)), striate.layers.Dense(2)])
>>> path = os.path.join(tempfile.mkdtemp(), "m.weights.h5")
>>> model.save_weights(path)                     # Keras 3's layout: keras.Model.load_weights reads it
>>> twin = striate.Sequential([striate.Input(shape=(3,)), striate.layers.Dense(2)])
>>> twin.load_weights(path)
>>> all((a == b).all() for a, b in zip(twin.get_weights(), model.get_weights()))
True
"""

from striate.saving.atomic import atomic_write
from striate.saving.errors import ModelFileError
from striate.saving.format import open_regular_file
from striate.saving.keras_archive import ZIP_MAGIC, assign_checked, read_archive
from striate.saving.keras_h5 import read_keras_weights, require_h5py, write_keras_weights

__all__ = ["file_kind", "load_keras_weights", "save_keras_weights", "HDF5_MAGIC"]

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def file_kind(path, what):
    """'zip', 'hdf5' or None (anything else, such as striate's own safetensors files), by the first bytes.

    Raises:
        ModelPathError: see :func:`~striate.saving.format.open_regular_file`.
    """
    with open_regular_file(path, what) as file:
        head = file.read(8)
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head == HDF5_MAGIC:
        return "hdf5"
    return None


def load_keras_weights(model, filepath):
    """Overwrite ``model``'s weights from a Keras ``.weights.h5``, legacy ``.h5`` or ``.keras`` file.

    Every weight is read and checked before the first one is written, so a failed
    load leaves the model as it was.

    Raises:
        ModelFileError: naming the layer and weight that does not fit.
        ImportError: when h5py is not installed.
    """
    name = str(filepath)
    if not model.weights:
        raise ModelFileError(f"model {model.name!r} has no weights yet, so {name!r} cannot be loaded into it; "
                             "build it first (give the input shape, or call it on data)")
    h5py = require_h5py(f"reading the Keras weights {name!r}")
    if file_kind(filepath, "weights file") == "zip":
        import io

        data = read_archive(filepath, required=("model.weights.h5",))["model.weights.h5"]
        source = io.BytesIO(data)
    else:
        source = open_regular_file(filepath, "weights file")
    try:
        try:
            root = h5py.File(source, "r")
        except (OSError, ValueError) as error:
            raise ModelFileError(f"Keras weights {name!r}: not a readable HDF5 file ({str(error)[:160]})") from None
        with root:
            pairs = read_keras_weights(root, model, name)
    finally:
        source.close()
    assign_checked(pairs)


def save_keras_weights(model, path, overwrite=True):
    """Write ``model``'s weights to ``path`` in Keras 3's ``.weights.h5`` layout, atomically."""
    import io

    h5py = require_h5py("writing Keras .weights.h5 files")
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as root:
        write_keras_weights(root, model)
    content = buffer.getvalue()
    atomic_write(path, lambda file: file.write(content), overwrite, "weights file")
