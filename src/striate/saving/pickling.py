"""Pickling (and ``copy.deepcopy``) of models through striate's own model file.

``pickle.dumps(model)`` stores the bytes of ``model.save``'s file (architecture,
weights, compile settings, optimizer state) plus references to the model's
custom layer classes; unpickling loads that file again. So a pickled model
holds no Python state of its own, and scikit-learn's tools (which pickle and
copy estimators) work with the wrappers. Pickles themselves can run code when
loaded — unpickle only what you trust; striate's loaders never read pickles.

>>> import pickle
>>> import numpy as np
>>> import striate
>>> model = striate.Sequential([striate.Input((2,)), striate.layers.Dense(1)])
>>> twin = pickle.loads(pickle.dumps(model))
>>> bool((twin.predict(np.ones((1, 2)), verbose=0) == model.predict(np.ones((1, 2)), verbose=0)).all())
True
"""

import io
import os
import tempfile

__all__ = ["reduce_model", "model_from_bytes"]


def reduce_model(model):
    """``__reduce__`` of a model: ``(model_from_bytes, (file bytes, custom classes))``.

    Raises:
        ValueError / NotImplementedError: for a model that cannot be saved (see ``Model.save``).
    """
    from striate.saving.format import write_tensors
    from striate.saving.model_io import model_contents
    from striate.saving.serialization import _builtin_classes

    metadata, tensors = model_contents(model)
    buffer = io.BytesIO()
    write_tensors(buffer, tensors, metadata)
    builtin = set(_builtin_classes().values())
    classes = {type(layer).__name__: type(layer) for layer in [model] + model._flatten_layers()
               if type(layer) not in builtin}
    return model_from_bytes, (buffer.getvalue(), classes)


def model_from_bytes(content, custom_classes=None):
    """The model that :func:`reduce_model` stored."""
    from striate.saving.model_io import load_model

    handle, path = tempfile.mkstemp(suffix=".keras")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        return load_model(path, custom_objects=dict(custom_classes or {}))
    finally:
        os.unlink(path)
