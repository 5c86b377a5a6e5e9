"""Compiled train, test and predict steps: trace once per input signature, then replay.

:func:`compiled_step` is what ``make_train_function()`` (and the test and
predict versions) return when compilation applies. The first batch of each
signature (input shapes and dtypes) runs eagerly under a
:class:`~striate.jit.tracer.Tracer`; the second batch checks the new
:class:`~striate.jit.plan.Plan` against eager (the plan's forward and an eager
forward without a graph, from the same random and moving-statistics state;
outputs must agree to float32 tolerance) and is then replayed, as are later
batches:

1. the plan's forward on the batch's arrays;
2. the loss, eagerly, on leaf Tensors around the outputs (and around the logits
   of a softmax/sigmoid output, so the loss reads the logits as in eager mode):
   any loss, metric or penalty works, and gradients reach the outputs;
3. the plan's backward from those gradients to the trainable Variables, plus
   whatever an eager penalty (kernel regularizers) put into ``v.grad``;
4. ``model.optimizer.apply(grads, variables)``, which under data parallelism first
   averages the gradients over the processes (``striate.distribution``; the
   compiled step runs inside ``distributed_step``, which shards the batch and
   draws the random numbers of the global batch) — weights change only here, after
   everything else succeeded, so a failed step leaves them unchanged.

A plan is traced again when the inputs' signature is new, when a Variable's
``requires_grad`` changed (``trainable``), or when any layer's structure moved
(``striate._structure``: a public attribute set, a weight added). Models that
may not be compiled (``safety.py``), plans whose recording saw values made
outside the primitives (``tracer.py``) and plans that failed the check run
eagerly; ``jit_compile=True`` turns the first two into a ValueError.
"""

import warnings

from striate import _structure, backend, random
from striate.autograd.function import no_grad
from striate.backend import xp
from striate.jit.fast_loss import SoftmaxCrossEntropy
from striate.jit.plan import Plan
from striate.jit.safety import untraceable_reason
from striate.jit.tracer import Tracer
from striate.tensor import Tensor

__all__ = ["compiled_step", "CompiledStep"]

MODES = ("train", "test", "predict")
# Input signatures one compiled step traces at most; batches of further shapes run eagerly.
MAX_SIGNATURES = 32


def compiled_step(model, mode, eager_step, unpack, default_loss=False):
    """The compiled version of ``eager_step`` for ``model``, or None when the model asked for eager steps.

    Args:
        model: a compiled Model.
        mode: 'train', 'test' or 'predict'.
        eager_step: the model's own step (``data -> logs`` or output list), run for
            batches that cannot be compiled.
        unpack: ``data -> (x, y, sample_weight)``.
        default_loss: whether ``model.compute_loss`` is the default one (then a
            softmax cross-entropy may be computed by the step itself, see ``fast_loss.py``).
    """
    jit = getattr(model, "jit_compile", "auto")
    if getattr(model, "run_eagerly", False) or jit is False:
        return None
    return CompiledStep(model, mode, eager_step, unpack, strict=jit is True, default_loss=default_loss)


class _Entry:
    """A plan and what it was traced under (or, with ``plan`` None, why there is none)."""

    def __init__(self, plan=None, reason=None):
        self.plan, self.reason, self.verified = plan, reason, False
        self.version = _structure.version()
        self.flags = () if plan is None else tuple(v.requires_grad for v in plan.variables)

    def current(self):
        if self.version != _structure.version():
            return False
        return self.plan is None or self.flags == tuple(v.requires_grad for v in self.plan.variables)


class CompiledStep:
    """Callable ``data -> result`` that traces, checks and replays plans (see the module docstring).

    Attributes:
        traces, replays: how many batches were traced and replayed (for tests and profiles).
    """

    def __init__(self, model, mode, eager_step, unpack, strict=False, default_loss=False):
        if mode not in MODES:
            raise ValueError(f"compiled_step: mode must be one of {MODES}, got {mode!r}")
        self.model, self.mode, self.eager_step, self.unpack, self.strict = model, mode, eager_step, unpack, strict
        self.default_loss = default_loss
        self.training = mode == "train"
        self.entries = {}
        self.traces = self.replays = 0

    @property
    def fallback_reason(self):
        """Why the last signature seen runs eagerly (None when it is compiled)."""
        reasons = [e.reason for e in self.entries.values() if e.plan is None]
        return reasons[-1] if reasons else None

    def __call__(self, data):
        if not backend.is_numpy():
            # On a GPU backend the Python around the ops matters less, and a plan's check would
            # move its random draws to the device twice more: steps run eagerly there (for now).
            return self.eager_step(data)
        x, y, sample_weight = self.unpack(data)
        xs = list(x) if isinstance(x, (list, tuple)) else [x]
        if not all(type(a) is xp.ndarray for a in xs):
            return self.eager_step(data)
        key = tuple((a.shape, a.dtype.str) for a in xs)
        entry = self.entries.get(key)
        if entry is None and len(self.entries) >= MAX_SIGNATURES:
            return self.eager_step(data)  # ever new shapes: tracing each would only cost
        if entry is None or not entry.current():
            return self._trace(key, data, x, xs, y, sample_weight)
        if entry.plan is None:
            return self.eager_step(data)
        if not entry.verified:
            return self._verify(entry, data, x, xs, y, sample_weight)
        self.replays += 1
        return self._replay(entry, x, xs, y, sample_weight)

    # ---- tracing ---------------------------------------------------------------------------
    def _trace(self, key, data, x, xs, y, sample_weight):
        reason = untraceable_reason(self.model)
        if reason is not None:
            if self.strict:
                raise ValueError(f"Model {self.model.name!r}: jit_compile=True, but {reason}; "
                                 "compile with jit_compile='auto' (or False) to run such a model eagerly")
            self.entries[key] = _Entry(reason=reason)
            return self.eager_step(data)
        self.traces += 1
        inputs = [Tensor._wrap(self._input_array(a), False) for a in xs]
        tracer = Tracer(inputs)
        result, y_pred = self._eager(x, y, sample_weight, inputs, tracer)
        self.entries[key] = self._entry(tracer, y_pred)
        return result

    def _entry(self, tracer, y_pred):
        if tracer.problems:
            if self.strict:
                raise ValueError(f"Model {self.model.name!r}: jit_compile=True, but {tracer.problems[0]}")
            return _Entry(reason=tracer.problems[0])
        is_list = isinstance(y_pred, (list, tuple))
        outputs = list(y_pred) if is_list else [y_pred]
        if not all(isinstance(t, Tensor) and tracer.slot(t) is not None for t in outputs):
            return _Entry(reason="an output of the model was not made by a recorded op")
        # The logits behind a softmax/sigmoid output, for losses that read them.
        activations, extra = [], []
        for index, t in enumerate(outputs):
            act = t._activation
            if act is not None and tracer.slot(act[1]) is not None:
                activations.append((index, act[0], act[1].requires_grad))
                extra.append(act[1])
        fast, logp = self._fast_loss(tracer, outputs, activations)
        entry = _Entry(Plan(tracer, outputs + extra, [logp] if fast else []))
        entry.is_list, entry.n_outputs, entry.activations, entry.fast = is_list, len(outputs), activations, fast
        entry.out_requires = [t.requires_grad for t in outputs]
        trainable = self.model.trainable_weights if self.training else []
        entry.trainable = trainable
        entry.train_slots = [entry.plan.slot_of_variable(v) for v in trainable]
        entry.generators = [op.kwargs["rng"] for op in tracer.ops if op.kwargs.get("rng") is not None]
        return entry

    def _fast_loss(self, tracer, outputs, activations):
        """``(SoftmaxCrossEntropy, slot of the log-softmax)`` when the step may compute the loss itself,
        else (None, None)."""
        model = self.model
        if self.mode == "predict" or not self.default_loss or len(outputs) != 1 or not activations \
                or activations[0][1] != "softmax" or model._compiled_loss.weights != [1.0] or model.losses:
            return None, None
        made_by = {op.out: op for op in tracer.ops}
        exp = made_by.get(tracer.slot(outputs[0]))
        log_softmax = made_by.get(exp.ins[0]) if exp is not None and type(exp.fn).__name__ == "Exp" else None
        if log_softmax is None or type(log_softmax.fn).__name__ != "LogSoftmax" \
                or log_softmax.kwargs.get("axis", -1) not in (-1, outputs[0].ndim - 1) \
                or log_softmax.ins[0] != tracer.slot(outputs[0]._activation[1]):
            return None, None
        fast = SoftmaxCrossEntropy.for_loss(model._compiled_loss.losses[0])
        return (fast, exp.ins[0]) if fast is not None else (None, None)

    def _input_array(self, a):
        """The array the model's own input conversion would make (``Layer._as_input_tensor``)."""
        model = self.model
        if a.dtype.kind == "f" or (a.dtype.kind in "biu" and model._casts_ints()):
            return a.astype(model.dtype, copy=False)
        return a

    # ---- the eager step (traced or checked) --------------------------------------------------
    def _eager(self, x, y, sample_weight, inputs, tracer=None):
        """The model's default step, eagerly, on ``inputs``; returns ``(result, y_pred)``.

        Mirrors ``Steps.train_step``/``test_step``/``predict_step`` (which this replaces
        only when they are not overridden), recording the model's forward when a
        ``tracer`` is given.
        """
        model = self.model
        feed = inputs if isinstance(x, (list, tuple)) else inputs[0]
        if self.mode == "predict":
            with no_grad():
                y_pred = self._call_model(feed, tracer)
            return [t.data for t in _as_list(y_pred)], y_pred
        if self.mode == "test":
            with no_grad():
                y_pred = self._call_model(feed, tracer)
                loss = model.compute_loss(x, y, y_pred, sample_weight, training=False)
            model._compiled_metrics.loss_tracker.update_state(float(loss.data), sample_weight=len(inputs[0].data))
            return model.compute_metrics(x, y, y_pred, sample_weight), y_pred
        y_pred = self._call_model(feed, tracer)
        loss = model.compute_loss(x, y, y_pred, sample_weight, training=True)
        model._compiled_metrics.loss_tracker.update_state(float(loss.data), sample_weight=len(inputs[0].data))
        variables = model.trainable_weights
        if variables and loss.requires_grad:
            model.zero_grad()
            loss.backward()
            self._apply([v.grad for v in variables], variables)
        return model.compute_metrics(x, y, y_pred, sample_weight), y_pred

    def _call_model(self, feed, tracer):
        if tracer is None:
            return self.model(feed, training=self.training)
        with tracer:
            return self.model(feed, training=self.training)

    def _apply(self, grads, variables):
        # Under data parallelism the optimizer averages the gradients over the processes
        # first (striate.distribution.reduce_gradients), between backward and the update.
        self.model.optimizer.apply(grads, variables)

    # ---- checking a new plan -------------------------------------------------------------------
    def _verify(self, entry, data, x, xs, y, sample_weight):
        """The plan's forward and the eager forward (no graph) from the same random and
        moving-statistics state; the batch is then replayed if they agree, else run eagerly."""
        plan = entry.plan
        arrays = [self._input_array(a) for a in xs]
        generators = [random.generator()] + entry.generators
        states = [g.bit_generator.state for g in generators]
        moving = [(v, v.data.copy()) for v in plan.variables if not v.requires_grad]

        def restore():
            for g, state in zip(generators, states):
                g.bit_generator.state = state
            for v, saved in moving:
                v.data[...] = saved

        try:
            replayed = plan.forward(arrays, keep=False)[:entry.n_outputs]
        except Exception:  # noqa: BLE001 - the eager step raises the real error, if any
            replayed = None
        finally:
            plan.release()
            restore()
        try:
            with no_grad():  # no graph: each activation is freed after its last reader
                y_pred = self._call_model([Tensor._wrap(a, False) for a in arrays]
                                          if isinstance(x, (list, tuple)) else Tensor._wrap(arrays[0], False), None)
            eager = [t.data for t in _as_list(y_pred)]
        finally:
            restore()
        del y_pred
        if replayed is not None and _agree(replayed, eager):
            entry.verified = True
            self.replays += 1
            return self._replay(entry, x, xs, y, sample_weight)
        entry.plan, entry.reason = None, "the replayed step differed from the eager step on its second batch"
        if self.strict:
            warnings.warn(f"Model {self.model.name!r}: jit_compile=True, but {entry.reason}; this input "
                          "signature runs eagerly from now on", UserWarning, stacklevel=4)
        return self.eager_step(data)

    # ---- replaying -----------------------------------------------------------------------------
    def _replay(self, entry, x, xs, y, sample_weight):
        model, plan = self.model, entry.plan
        arrays = [self._input_array(a) for a in xs]
        if self.mode == "predict":
            return plan.forward(arrays, keep=False)[:entry.n_outputs]
        if self.training:
            for v in entry.trainable:
                v.grad = None  # the last step's gradients are not kept through this one
        try:
            values = plan.forward(arrays, keep=self.training)
            if entry.fast is not None:
                done = self._replay_fast(entry, values, x, y, sample_weight, len(arrays[0]))
                if done is not None:
                    return done
            y_pred, seeds = _leaves(entry, values)
            if not self.training:
                with no_grad():
                    loss = model.compute_loss(x, y, y_pred, sample_weight, training=False)
            else:
                loss = model.compute_loss(x, y, y_pred, sample_weight, training=True)
            model._compiled_metrics.loss_tracker.update_state(float(loss.data), sample_weight=len(arrays[0]))
            variables = entry.trainable
            if self.training and variables and loss.requires_grad:
                loss.backward()  # an eager penalty (kernel_regularizer) puts its part into v.grad
                self._apply(_gradients(entry, seeds), variables)
        finally:
            plan.release()
        return model.compute_metrics(x, y, y_pred, sample_weight)


    def _replay_fast(self, entry, values, x, y, sample_weight, batch):
        """The rest of a replayed step with the loss computed here; None when this batch needs the eager loss."""
        model, plan = self.model, entry.plan
        ys = _as_list(y)
        result = entry.fast(ys[0], sample_weight, values[-1], values[0]) if len(ys) == 1 else None
        if result is None:
            return None
        loss, dlogits = result
        model._compiled_metrics.loss_tracker.update_state(loss, sample_weight=batch)
        variables = entry.trainable
        if self.training and variables and entry.activations[0][2]:
            wanted = [s for s in entry.train_slots if s is not None]
            found = dict(zip(wanted, plan.backward({plan.output_slots[1]: dlogits}, wanted)))
            grads = [found.get(s) if s is not None else None for s in entry.train_slots]
            for v, g in zip(variables, grads):
                v.grad = g  # as after an eager step
            self._apply(grads, variables)
        return model.compute_metrics(x, y, values[0], sample_weight)


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _leaves(entry, values):
    """Leaf Tensors around the replay's outputs (the structure the loss expects) and
    ``[(slot, leaf)]`` from which gradients flow back into the plan."""
    n = entry.n_outputs
    slots = entry.plan.output_slots
    outputs = [Tensor._wrap(a, rg) for a, rg in zip(values[:n], entry.out_requires)]
    seeds = list(zip(slots[:n], outputs))
    for (index, name, rg), a, slot in zip(entry.activations, values[n:], slots[n:]):
        pre = Tensor._wrap(a, rg)
        outputs[index]._activation = (name, pre)
        seeds.append((slot, pre))
    return (outputs if entry.is_list else outputs[0]), seeds


def _gradients(entry, seeds):
    """The trainable Variables' gradients: the plan's backward plus what is already in ``v.grad``."""
    grads_at = {}
    for slot, leaf in seeds:
        g = leaf.grad
        if g is not None:
            grads_at[slot] = g if slot not in grads_at else grads_at[slot] + g
    wanted = [s for s in entry.train_slots if s is not None]
    found = dict(zip(wanted, entry.plan.backward(grads_at, wanted)))
    grads = []
    for v, slot in zip(entry.trainable, entry.train_slots):
        g = found.get(slot) if slot is not None else None
        if v.grad is not None:
            g = v.grad if g is None else g + v.grad
        v.grad = g  # as after an eager step
        grads.append(g)
    return grads


def _agree(replayed, eager):
    """Whether two lists of output arrays are equal to float32 rounding (NaNs where both have them);
    compared on the host, whatever the backend."""
    if len(replayed) != len(eager):
        return False
    host = backend.host
    for a, b in zip(replayed, eager):
        a, b = backend.to_host(a), backend.to_host(b)
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.dtype.kind != "f":
            if not host.array_equal(a, b):
                return False
            continue
        finite = host.abs(b[host.isfinite(b)])
        scale = float(finite.max()) if finite.size else 0.0
        tol = 1e-4 * max(1.0, scale) if a.dtype.itemsize <= 4 else 1e-10 * max(1.0, scale)
        if not host.allclose(a, b, rtol=1e-4, atol=tol, equal_nan=True):
            return False
    return True
