"""Optimizer: the base class that owns every optimizer's state and bookkeeping.

An optimizer subclass writes only its constructor, ``build_slots`` (its
per-variable state, Keras's "optimizer variables") and ``update_step`` (its
update rule, in place on NumPy arrays). ``apply`` does the rest, in Keras 3's
order:

0. under data parallelism, average the gradients over the processes
   (``striate.distribution.reduce_gradients``);
1. skip variables whose gradient is None; cast gradients to the variable's dtype;
2. divide by ``loss_scale_factor``; with ``gradient_accumulation_steps = k``,
   only every k-th call updates, with the mean of the last k gradients;
3. clip: ``clipnorm`` (per variable), ``global_clipnorm`` or ``clipvalue``;
4. decoupled weight decay ``w -= w * weight_decay * lr`` (before the update);
5. ``update_step`` for each variable;
6. the moving average of the weights when ``use_ema``;
7. ``iterations += 1``.

State for checkpoints (``get_state``/``set_state``, written in ``_state.py``)
is a flat dict of arrays: ``"iterations"``, shared scalars such as Nadam's
``"u_product"``, and ``"<i>/<slot>"`` such as ``"0/momentum"``.

>>> import numpy as np
>>> from striate.optimizers import SGD
>>> from striate.variables import Variable
>>> w = Variable(np.array([1.0, -2.0]))
>>> opt = SGD(learning_rate=0.5)
>>> opt.apply([np.array([0.2, -0.4])], [w])
>>> w.numpy(), opt.iterations
(array([ 0.9, -1.8], dtype=float32), 1)
"""

import warnings

from striate import backend
from striate.autograd import no_grad
from striate.backend import xp
from striate.distribution.data_parallel import reduce_gradients
from striate.optimizers import _clipping, _state, schedules
from striate.optimizers._checks import check_bool, check_int, check_number
from striate.optimizers._shared_options import SharedOptions
from striate.tensor import Tensor

__all__ = ["Optimizer"]


class Optimizer(SharedOptions):
    """Base class of the optimizers; Keras 3's ``keras.optimizers.Optimizer``.

    Args:
        learning_rate: a float ``>= 0`` or a
            :class:`~striate.optimizers.schedules.LearningRateSchedule`
            (evaluated at ``iterations`` before each update).
        weight_decay: if set, ``w -= w * weight_decay * learning_rate`` before
            every update (decoupled decay, all optimizers, as Keras 3).
        clipnorm: if set, each gradient is rescaled to norm ``<= clipnorm``.
        clipvalue: if set, each gradient entry is clipped to ``[-clipvalue, clipvalue]``.
        global_clipnorm: if set, all gradients are rescaled together so that
            their joint norm is ``<= global_clipnorm``.
        use_ema: keep an exponential moving average of the weights.
        ema_momentum: the average's momentum: ``avg = m * avg + (1 - m) * w``.
        ema_overwrite_frequency: every this many iterations, copy the average
            into the weights; None: only in :meth:`finalize_variable_values`.
        loss_scale_factor: if set, gradients are divided by it (see :meth:`scale_loss`).
        gradient_accumulation_steps: if set (an int >= 2), update every this
            many calls with the mean gradient of those calls.
        name: the optimizer's name.

    Raises:
        TypeError: for a non-numeric learning rate or option.
        ValueError: for a negative learning rate, more than one of
            ``clipnorm``/``clipvalue``/``global_clipnorm``, or unknown keyword arguments.

    A new optimizer in a dozen lines:

    >>> import numpy as np
    >>> class SignSGD(Optimizer):
    ...     def __init__(self, learning_rate=0.01, name="sign_sgd", **kwargs):
    ...         super().__init__(learning_rate=learning_rate, name=name, **kwargs)
    ...     def update_step(self, grad, variable, learning_rate):
    ...         w = variable.data
    ...         xp.subtract(w, learning_rate * xp.sign(grad), out=w)
    >>> from striate.variables import Variable
    >>> w = Variable(np.array([1.0, 1.0]))
    >>> SignSGD(learning_rate=0.5).apply([np.array([3.0, -0.1])], [w])
    >>> w.numpy()
    array([0.5, 1.5], dtype=float32)
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        owner = type(self).__name__
        if kwargs.pop("decay", None) is not None:
            warnings.warn(f"{owner}: argument `decay` is no longer supported (as in Keras 3) and is ignored; "
                          "use a learning-rate schedule", stacklevel=3)
        if kwargs:
            raise ValueError(f"{owner}: argument(s) not recognized: {kwargs}")
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(f"{owner}: only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                             f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}")
        self.name = owner.lower() if name is None else str(name)
        self.weight_decay = check_number(owner, "weight_decay", weight_decay, low=0.0, allow_none=True)
        self.clipnorm = check_number(owner, "clipnorm", clipnorm, low=0.0, allow_none=True)
        self.clipvalue = check_number(owner, "clipvalue", clipvalue, low=0.0, allow_none=True)
        self.global_clipnorm = check_number(owner, "global_clipnorm", global_clipnorm, low=0.0, allow_none=True)
        self.use_ema = check_bool(owner, "use_ema", use_ema)
        self.ema_momentum = check_number(owner, "ema_momentum", ema_momentum, low=0.0, high=1.0)
        self.ema_overwrite_frequency = check_int(owner, "ema_overwrite_frequency", ema_overwrite_frequency, low=1,
                                                 allow_none=True)
        self.loss_scale_factor = check_number(owner, "loss_scale_factor", loss_scale_factor, low=0.0, allow_none=True)
        if self.loss_scale_factor == 0.0:
            raise ValueError(f"{owner}: `loss_scale_factor` must be > 0, got {loss_scale_factor!r}")
        self.gradient_accumulation_steps = check_int(owner, "gradient_accumulation_steps",
                                                     gradient_accumulation_steps, low=2, allow_none=True)
        self._learning_rate = self._check_learning_rate(learning_rate)
        self._iterations = 0        # apply() calls; `iterations` divides by the accumulation steps
        self._slots = {}            # id(variable) -> {slot name: array}
        self._tracked = []          # variables in first-seen order; holding them keeps their ids unique
        self._shared = {}           # state common to all variables (Nadam's "u_product")
        self._buffers = {}          # scratch arrays by (shape, dtype, k): not state
        self._exclude_ids, self._exclude_pattern, self._decay_cache = set(), None, {}

    # ---- the two methods a subclass writes ------------------------------------
    def build_slots(self, variable):
        """The per-variable state of a new variable: ``{slot name: array}``.

        Called once, the first time ``variable`` is seen. Use :meth:`slot_like`.
        """
        return {}

    def update_step(self, grad, variable, learning_rate):
        """Update ``variable.data`` in place from ``grad`` (same shape and dtype).

        ``learning_rate`` is a Python float (keep it one: a NumPy float64
        scalar would turn float32 arithmetic into float64).
        """
        raise NotImplementedError(f"{type(self).__name__} must implement update_step(grad, variable, learning_rate)")

    def prepare_step(self, learning_rate):
        """Hook called once per update, before the ``update_step`` calls (for shared state)."""

    # ---- helpers for subclasses -----------------------------------------------
    def slot_like(self, variable, fill=0.0):
        """A new array shaped and typed as ``variable``, filled with ``fill``."""
        return xp.full(variable.data.shape, fill, dtype=variable.data.dtype)

    def _scratch(self, like, k=0):
        """A reusable work array shaped like ``like``; saves an allocation per op."""
        key = (like.shape, like.dtype, k)
        buffer = self._buffers.get(key)
        if buffer is None:
            buffer = self._buffers[key] = xp.empty(like.shape, like.dtype)
        return buffer

    def _blocks(self, *arrays):
        """``(*flat pieces, scratch piece)`` over ``arrays`` (same size; all but the last — the
        gradient — are the variable and its slots, updated in place through these views), in pieces of
        ``BLOCK`` values: an update's dozen passes then run in the cache, not over the
        whole weight (Adam on a 2304x512 kernel, one thread: 3.3 -> 2.1 ms), with one
        small scratch buffer instead of one per large weight shape."""
        if arrays[0].size <= _BLOCK or not all(a.flags.c_contiguous for a in arrays[:-1]):
            # one piece: the arrays themselves (a small weight, or one whose flat view would be a copy)
            return ((*arrays, self._scratch(arrays[0])),)
        flat = [a.reshape(-1) for a in arrays]
        size = flat[0].size
        key = ("block", flat[0].dtype)
        scratch = self._buffers.get(key)
        if scratch is None:
            scratch = self._buffers[key] = xp.empty(_BLOCK, flat[0].dtype)
        return [tuple(a[start:start + _BLOCK] for a in flat) + (scratch[:min(size, start + _BLOCK) - start],)
                for start in range(0, size, _BLOCK)]

    # ---- learning rate and counters -------------------------------------------
    def _check_learning_rate(self, value):
        if isinstance(value, schedules.LearningRateSchedule):
            return value
        return check_number(type(self).__name__, "learning_rate", value, low=0.0)

    @property
    def learning_rate(self):
        """The current learning rate as a Python float (a schedule is evaluated at ``iterations``)."""
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            return float(lr(self._iterations))
        return lr

    @learning_rate.setter
    def learning_rate(self, value):
        if not isinstance(value, schedules.LearningRateSchedule) and isinstance(self._learning_rate,
                                                                               schedules.LearningRateSchedule):
            raise TypeError(f"{type(self).__name__}: this optimizer was created with a LearningRateSchedule, so its "
                            "learning rate cannot be set to a number (as in Keras); create it with a float "
                            "learning_rate, or assign another schedule")
        self._learning_rate = self._check_learning_rate(value)

    @property
    def iterations(self):
        """The number of updates applied (calls of ``apply`` over the accumulation steps)."""
        steps = self.gradient_accumulation_steps
        return self._iterations // steps if steps else self._iterations

    @property
    def variables(self):
        """The state arrays (live), variable by variable in first-seen order."""
        return [array for v in self._tracked for array in self._slots[id(v)].values()]

    # ---- applying gradients ---------------------------------------------------
    def build(self, var_list):
        """Create the state of every variable of ``var_list`` not seen before (optional: ``apply`` does it)."""
        for variable in var_list:
            if id(variable) not in self._slots:
                self._track(variable)

    def _track(self, variable):
        owner = type(self).__name__
        if not isinstance(variable, Tensor):
            raise TypeError(f"{owner}: expected striate Variables to update, got {type(variable).__name__}")
        if variable.data.dtype.kind != "f":
            raise TypeError(f"{owner}: can only update float variables; variable {_state.label(variable)} has dtype "
                            f"{variable.dtype}")
        self._slots[id(variable)] = self._new_slots(variable)
        self._tracked.append(variable)

    def _new_slots(self, variable):
        slots = dict(self.build_slots(variable))
        if self.use_ema:
            # A copy, not zeros: a variable first seen late must not average towards 0.
            slots["average"] = variable.data.copy()
        if self.gradient_accumulation_steps:
            slots["gradient_accumulator"] = self.slot_like(variable)
        return slots

    def apply(self, grads, trainable_variables):
        """Apply one step of gradients to the variables, in place.

        Args:
            grads: arrays (or None for a variable without gradient: skipped),
                one per variable. They are never modified.
            trainable_variables: the Variables, same length.

        Raises:
            ValueError: on a length mismatch, a gradient whose shape differs
                from its variable's, or when every gradient is None.
            TypeError: when a variable is not a float Variable.
        """
        grads, variables = list(grads), list(trainable_variables)
        owner = type(self).__name__
        if len(grads) != len(variables):
            raise ValueError(f"{owner}.apply: got {len(grads)} gradients for {len(variables)} variables")
        if not grads:
            return
        # Data parallelism (striate.distribution): the gradients averaged over the processes,
        # before anything else; without a distribution, the same list.
        grads = reduce_gradients(grads, variables)
        slots = self._slots
        kept_grads, kept_vars = [], []
        for g, v in zip(grads, variables):
            if g is None:
                continue
            if id(v) not in slots:
                self._track(v)
            data = v.data
            if g.__class__ is not xp.ndarray:
                g = xp.asarray(g.data if isinstance(g, Tensor) else g)
            if g.dtype != data.dtype:
                g = g.astype(data.dtype)
            if g.shape != data.shape:
                raise ValueError(f"{owner}.apply: gradient of shape {g.shape} for variable {_state.label(v)} "
                                 f"of shape {data.shape}")
            kept_grads.append(g)
            kept_vars.append(v)
        if not kept_grads:
            raise ValueError(f"{owner}.apply: no gradients provided for any variable (all are None)")
        # Non-finite gradients are applied, not refused: the training loop watches the loss.
        with backend.errstate(all="ignore"):
            if self.loss_scale_factor is not None:
                kept_grads = [g / self.loss_scale_factor for g in kept_grads]
            if self.gradient_accumulation_steps:
                self._accumulate(kept_grads, kept_vars)
            else:
                self._update(kept_grads, kept_vars)
            if self.use_ema:
                self._update_average()
        self._iterations += 1

    def apply_gradients(self, grads_and_vars):
        """Keras's zip form: ``apply_gradients(zip(grads, variables))``; returns ``iterations``."""
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])
        return self.iterations

    def _update(self, grads, variables):
        grads = self._clip_gradients(grads)
        lr = self.learning_rate
        if self.weight_decay:
            self._apply_weight_decay(variables, lr)
        self.prepare_step(lr)
        update_step = self.update_step
        for g, v in zip(grads, variables):
            update_step(g, v, lr)
        # Keras: a weight's constraint (add_weight(constraint=...)) projects it after each update.
        constrained = [v for v in variables if getattr(v, "constraint", None) is not None]
        if constrained:
            with no_grad():
                for v in constrained:
                    v.assign(v.constraint(v))

    def _clip_gradients(self, grads):
        if self.clipnorm:
            return [_clipping.clip_by_norm(g, self.clipnorm) for g in grads]
        if self.global_clipnorm:
            return _clipping.clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue:
            return [_clipping.clip_by_value(g, self.clipvalue) for g in grads]
        return grads

    def _slot(self, variable, name, make):
        slots = self._slots[id(variable)]
        array = slots.get(name)
        if array is None:  # the option was switched on after the variable was first seen
            array = slots[name] = make(variable)
        return array

    def scale_loss(self, loss):
        """``loss * loss_scale_factor`` when set (the gradients are divided back in ``apply``)."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    # ---- configuration ------------------------------------------------------------
    def get_config(self):
        """The constructor arguments as a JSON-ready dict (Keras's keys)."""
        lr = self._learning_rate
        return {
            "name": self.name,
            "learning_rate": schedules.serialize(lr) if isinstance(lr, schedules.LearningRateSchedule) else lr,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A new optimizer (without state) from :meth:`get_config`'s output."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"], custom_objects)
        return cls(**config)

    # ---- checkpoints (format and checks in _state.py) -------------------------------
    def get_state(self, variables=None):
        """A copy of the state as ``{key: ndarray}``: ``"iterations"``, shared scalars, ``"<i>/<slot>"``.

        Args:
            variables: the ordered list that ``"<i>/..."`` indexes, e.g. all of
                a model's weights; variables without state are skipped, and the
                state of tracked variables not in the list is left out. Default:
                the variables in the order the optimizer first saw them.
        """
        return _state.get_state(self, variables)

    def set_state(self, state, variables):
        """Replace the whole state with ``state`` (from :meth:`get_state`), for ``variables``.

        Everything is checked before anything changes: after an error the
        optimizer's state is what it was. Slots are cast to their variable's dtype.

        Args:
            state: ``{key: array-like}``.
            variables: the ordered list that the keys' indices refer to.

        Raises:
            TypeError: when ``state`` is not a mapping.
            ValueError: for a missing or unknown key, an index out of range, a
                slot missing or extra for this optimizer's configuration, or a
                slot whose shape differs from its variable's (naming both).
        """
        _state.set_state(self, state, variables)

    def __repr__(self):
        return (f"<{type(self).__name__} name={self.name!r} learning_rate={self.learning_rate:g} "
                f"iterations={self.iterations}>")


# Values per piece in Optimizer._blocks: 4 arrays of 256 KiB stay in a core's L2 cache
# (64K was fastest of 4K-256K, measured).
_BLOCK = 1 << 16
