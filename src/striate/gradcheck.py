"""Check analytic gradients against central finite differences, in float64.

The first oracle for every op and layer, and public so that users can check
their own layers:

>>> import numpy as np, striate
>>> striate.gradcheck(lambda a, b: (a * b).sum(), np.random.rand(3), np.random.rand(3))
True
"""

from striate import backend, random
from striate.backend import xp
from striate.tensor import Tensor

__all__ = ["gradcheck", "GradcheckError"]


class GradcheckError(AssertionError):
    """Raised when an analytic gradient disagrees with the finite difference."""


def gradcheck(fn, *inputs, params=(), eps=1e-6, atol=1e-5, rtol=1e-4, directional=None, seed=0):
    """Compare the gradients of ``fn`` with central differences.

    The scalar checked is ``sum(fn(*inputs) * r)`` for a fixed random ``r``, so
    every output element and every input element is tested.

    Args:
        fn: function of Tensors returning a Tensor.
        *inputs: arrays or Tensors; each float one is checked (converted to float64).
            Integer inputs (indices, labels) are passed through unchanged.
        params: extra float64 Tensors that ``fn`` uses (e.g. a layer's weights),
            checked too.
        eps: finite-difference step.
        atol, rtol: tolerance: ``|analytic - numeric| <= atol + rtol * |numeric|``.
        directional: check one random direction per tensor instead of every
            element (two evaluations instead of two per element; for large
            inputs). ``None`` decides by size (above 2,000 elements).
        seed: seed for ``r`` and the directions.

    Returns:
        True when every gradient agrees.

    Raises:
        GradcheckError: naming the input, the element and both values.
        TypeError: when a parameter is not float64.
    """
    rng = random.host_generator(seed)  # host draws: the same check on every backend
    tensors = [_as_checked_input(x) for x in inputs]
    for i, p in enumerate(params):
        if not isinstance(p, Tensor) or p.dtype != xp.float64:
            raise TypeError(f"gradcheck: params[{i}] must be a float64 Tensor (build the layer "
                            f"inside striate.backend.floatx_scope('float64')), got {getattr(p, 'dtype', type(p))}")
    checked = [t for t in tensors if t.requires_grad] + list(params)
    for t in checked:
        t.grad = None

    out = fn(*tensors)
    weights = backend.to_device(rng.standard_normal(out.shape))

    def objective():
        return float((fn(*tensors).data * weights).sum())

    out.backward(weights)
    for index, t in enumerate(checked):
        analytic = xp.zeros_like(t.data) if t.grad is None else xp.asarray(t.grad, dtype=xp.float64)
        use_direction = t.data.size > 2000 if directional is None else directional
        label = f"input {index}" if index < len(checked) - len(params) else f"param {index - len(checked) + len(params)}"
        if use_direction:
            _check_direction(t, analytic, objective, rng, eps, atol, rtol, label)
        else:
            _check_elements(t, analytic, objective, eps, atol, rtol, label)
    return True


def _as_checked_input(x):
    data = x.data if isinstance(x, Tensor) else backend.to_device(x)
    if data.dtype.kind != "f":
        return Tensor(data)
    return Tensor(data.astype(xp.float64), requires_grad=True)


def _check_elements(t, analytic, objective, eps, atol, rtol, label):
    flat = t.data.reshape(-1)  # a view: writing to it perturbs t.data
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + eps
        plus = objective()
        flat[i] = original - eps
        minus = objective()
        flat[i] = original
        numeric = (plus - minus) / (2 * eps)
        value = analytic.reshape(-1)[i]
        if not abs(value - numeric) <= atol + rtol * abs(numeric):
            where = xp.unravel_index(i, t.shape)
            raise GradcheckError(f"gradcheck failed for {label} (shape {t.shape}) at {where}: "
                                 f"analytic {value:.8g}, numeric {numeric:.8g}")


def _check_direction(t, analytic, objective, rng, eps, atol, rtol, label):
    direction = backend.to_device(rng.standard_normal(t.shape))
    direction /= xp.linalg.norm(direction)
    original = t.data.copy()
    t.data[...] = original + eps * direction
    plus = objective()
    t.data[...] = original - eps * direction
    minus = objective()
    t.data[...] = original
    numeric = (plus - minus) / (2 * eps)
    value = float((analytic * direction).sum())
    if not abs(value - numeric) <= atol + rtol * abs(numeric):
        raise GradcheckError(f"directional gradcheck failed for {label} (shape {t.shape}): "
                             f"analytic {value:.8g}, numeric {numeric:.8g}")
