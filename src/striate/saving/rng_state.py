"""The random state of a training run, for backups: striate's global generator and layer-owned ones.

``fit`` draws its shuffling (and unseeded dropout masks) from
``striate.random.generator()``; a layer built with a ``seed`` (``Dropout(seed=1)``)
owns a NumPy Generator in ``layer._rng``. Saving both with a backup and putting
them back on resume makes the resumed run draw exactly what the uninterrupted
run would have drawn.

States are NumPy's ``bit_generator.state`` dicts (plain JSON). Restoring checks
every state on a scratch generator first, so a bad backup changes nothing.

>>> import striate
>>> from striate.layers import Dropout
>>> model = striate.Sequential([striate.Input(shape=(2,)), Dropout(0.5, seed=3)])
>>> saved = capture(model)
>>> first = striate.random.generator().random()
>>> prepare_restore(model, saved, "backup")()
>>> striate.random.generator().random() == first
True
"""

import numpy as np

from striate import random
from striate.saving.errors import ModelFileError

__all__ = ["capture", "prepare_restore"]


def _layer_generators(model):
    """``{key: Generator}`` of the layers that own one; keys are ``'<position>/<class name>'``
    (not layer names: those are numbered per session, and a resumed run must still match)."""
    out = {}
    for i, layer in enumerate(model._flatten_layers()):
        rng = getattr(layer, "_rng", None)
        if isinstance(rng, np.random.Generator):
            out[f"{i}/{type(layer).__name__}"] = rng
    return out


def capture(model):
    """The global and layer-owned generator states, as a JSON-ready dict."""
    return {"global": random.get_state(),
            "layers": {key: rng.bit_generator.state for key, rng in _layer_generators(model).items()}}


def _checked(generator, state, where):
    """``state`` after trying it on a fresh bit generator of ``generator``'s kind."""
    kind = type(generator.bit_generator)
    if not isinstance(state, dict) or state.get("bit_generator") != kind.__name__:
        raise ModelFileError(f"{where}: expected a {kind.__name__} generator state")
    try:
        kind().state = state
    except (TypeError, ValueError, KeyError, OverflowError) as error:
        raise ModelFileError(f"{where}: invalid generator state ({error})") from None
    return state


def prepare_restore(model, saved, name, include_global=True):
    """Check ``saved`` (from :func:`capture`) against ``model``; return a function that applies it.

    Args:
        include_global: also restore striate's global generator (backups do; model
            files store only the layers' own generators, since loading a model must
            not reset the random state of the whole process).

    Raises:
        ModelFileError: for a malformed state, or layer generators that do not match the model's.
    """
    if not isinstance(saved, dict) or not isinstance(saved.get("layers"), dict):
        raise ModelFileError(f"{name}: the random state must be an object with 'global' and 'layers'")
    generators = _layer_generators(model)
    if set(saved["layers"]) != set(generators):
        raise ModelFileError(f"{name}: the file has generator states for layers {sorted(saved['layers'])}, "
                             f"the model has seeded layers {sorted(generators)}")
    global_state = None
    if include_global:
        global_state = _checked(random.generator(), saved.get("global"), f"{name}: global random state")
    layer_states = {key: _checked(rng, saved["layers"][key], f"{name}: random state of layer {key!r}")
                    for key, rng in generators.items()}

    def apply():
        if global_state is not None:
            random.set_state(global_state)
        for key, rng in generators.items():
            rng.bit_generator.state = layer_states[key]
    return apply
