"""Checkpoint state of an optimizer as a flat dict of arrays (for ``Optimizer.get_state``/``set_state``).

Keys: ``"iterations"`` (int64 scalar: the number of ``apply`` calls), the
shared scalars by name (float64; only Nadam's ``"u_product"``), and
``"<i>/<slot>"`` for the slot of the ``i``-th variable of the list passed to
``get_state``/``set_state``. Arrays only, so ``numpy.savez`` can store it and
``set_state`` can check every entry against the variables before changing
anything.

>>> import numpy as np
>>> from striate.optimizers import SGD
>>> from striate.variables import Variable
>>> w = Variable(np.zeros(2))
>>> opt = SGD(momentum=0.9)
>>> opt.apply([np.ones(2)], [w])
>>> sorted(get_state(opt, [w]))
['0/momentum', 'iterations']
"""

from collections.abc import Mapping

from striate.backend import xp
from striate.tensor import Tensor

__all__ = ["get_state", "set_state", "label"]


def label(variable):
    """How a variable is named in messages: its path, else its name."""
    return repr(getattr(variable, "path", None) or getattr(variable, "name", None) or "<unnamed>")


def get_state(optimizer, variables=None):
    """A copy of ``optimizer``'s state; indices refer to ``variables`` (default: first-seen order)."""
    order = optimizer._tracked if variables is None else list(variables)
    state = {"iterations": xp.array(optimizer._iterations, dtype=xp.int64)}
    for name, value in optimizer._shared.items():
        state[name] = xp.array(value, dtype=xp.float64)
    for i, v in enumerate(order):
        for name, array in optimizer._slots.get(id(v), {}).items():
            state[f"{i}/{name}"] = array.copy()
    return state


def set_state(optimizer, state, variables):
    """Check ``state`` against ``variables`` completely, then replace ``optimizer``'s state with it."""
    owner = f"{type(optimizer).__name__}.set_state"
    if not isinstance(state, Mapping):
        raise TypeError(f"{owner}: expected a dict of arrays, got {type(state).__name__}")
    variables = list(variables)
    for key in ("iterations", *optimizer._shared):
        if key not in state:
            raise ValueError(f"{owner}: the state has no {key!r} entry")
    iterations = xp.asarray(state["iterations"])
    if iterations.size != 1 or iterations.dtype.kind not in "iu" or int(iterations.item()) < 0:
        raise ValueError(f"{owner}: 'iterations' must be one integer >= 0, got {iterations!r}")
    shared = {name: float(xp.asarray(state[name]).item()) for name in optimizer._shared}

    given = {}    # variable index -> {slot name: saved array}
    for key, value in state.items():
        if key == "iterations" or key in optimizer._shared:
            continue
        index, _, slot = key.partition("/")
        if not index.isdigit() or not slot:
            known = ", ".join(repr(k) for k in ("iterations", *optimizer._shared))
            raise ValueError(f"{owner}: unexpected key {key!r}; expected {known} or '<index>/<slot>'")
        if int(index) >= len(variables):
            raise ValueError(f"{owner}: key {key!r} refers to variable {index}, but only {len(variables)} "
                             "variables were given")
        given.setdefault(int(index), {})[slot] = value

    # New slot arrays are filled first; the optimizer is touched only once all are valid.
    new_slots, new_tracked = {}, []
    for i in sorted(given):
        variable = variables[i]
        if not isinstance(variable, Tensor) or variable.data.dtype.kind != "f":
            raise TypeError(f"{owner}: variable {i} is not a float Variable: {variable!r}")
        slots = optimizer._new_slots(variable)
        missing, extra = sorted(slots.keys() - given[i].keys()), sorted(given[i].keys() - slots.keys())
        if missing or extra:
            raise ValueError(f"{owner}: variable {i} ({label(variable)}) needs slots {sorted(slots)}; "
                             f"missing {missing}, unexpected {extra}")
        for name, array in slots.items():
            saved = xp.asarray(given[i][name])
            if saved.shape != array.shape:
                raise ValueError(f"{owner}: slot '{i}/{name}' has shape {saved.shape}, but variable {i} "
                                 f"({label(variable)}) has shape {array.shape}")
            array[...] = saved
        new_slots[id(variable)] = slots
        new_tracked.append(variable)

    optimizer._slots, optimizer._tracked, optimizer._decay_cache = new_slots, new_tracked, {}
    optimizer._iterations = int(iterations.item())
    optimizer._shared.update(shared)
