"""SGD: gradient descent, with optional (Nesterov) momentum, as Keras 3 writes it.

>>> import numpy as np
>>> from striate.variables import Variable
>>> w = Variable(np.array([1.0]))
>>> opt = SGD(learning_rate=0.1, momentum=0.9)
>>> for _ in range(2):
...     opt.apply([np.array([1.0])], [w])
>>> round(float(w.numpy()[0]), 6)      # 1 - 0.1 - (0.9 * 0.1 + 0.1)
0.71
"""

from striate.backend import xp
from striate.optimizers._checks import check_bool, check_number
from striate.optimizers.base import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    """Gradient descent with momentum ``velocity`` (Keras's form).

    ``momentum == 0``: ``w = w - learning_rate * g``.
    Otherwise ``velocity = momentum * velocity - learning_rate * g`` then
    ``w = w + velocity``, or with ``nesterov``
    ``w = w + momentum * velocity - learning_rate * g``.

    PyTorch keeps ``b = momentum * b + g`` and steps ``w -= lr * b``: the same
    iterates while the learning rate is constant (``velocity = -lr * b``), but
    after a learning-rate change Keras's velocity keeps the old rate's steps.

    Args:
        learning_rate: a float or a LearningRateSchedule. Defaults to 0.01.
        momentum: float in [0, 1]; 0 is plain gradient descent.
        nesterov: whether to use Nesterov momentum.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
        ema_momentum, ema_overwrite_frequency, loss_scale_factor,
        gradient_accumulation_steps, name: see :class:`Optimizer`.

    Raises:
        ValueError: when ``momentum`` is outside [0, 1] (and see :class:`Optimizer`).

    >>> SGD().get_config()["momentum"]
    0.0
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name="SGD", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor, gradient_accumulation_steps=gradient_accumulation_steps,
                         name=name, **kwargs)
        self.momentum = check_number("SGD", "momentum", momentum, low=0.0, high=1.0)
        self.nesterov = check_bool("SGD", "nesterov", nesterov)

    def build_slots(self, variable):
        return {"momentum": self.slot_like(variable)} if self.momentum != 0 else {}

    def update_step(self, grad, variable, learning_rate):
        momentum = self._slots[id(variable)].get("momentum")
        arrays = (variable.data, grad) if momentum is None else (variable.data, momentum, grad)
        for pieces in self._blocks(*arrays):
            w, g, tmp = pieces[0], pieces[-2], pieces[-1]
            xp.multiply(g, learning_rate, out=tmp)                 # lr * g
            if momentum is None:
                w -= tmp
                continue
            m = pieces[1]
            m *= self.momentum
            m -= tmp                                               # m = momentum * m - lr * g
            if self.nesterov:
                w -= tmp
                xp.multiply(m, self.momentum, out=tmp)
                w += tmp                                           # w += momentum * m - lr * g
            else:
                w += m

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
