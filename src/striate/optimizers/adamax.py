"""Adamax, Adam with the infinity norm (Kingma & Ba, 2014, section 7.1), as Keras 3.

>>> import numpy as np
>>> from striate.variables import Variable
>>> w = Variable(np.array([1.0]))
>>> Adamax(learning_rate=0.1, epsilon=0.0).apply([np.array([-3.0])], [w])
>>> w.numpy()                 # 1 - 0.1 * (0.1 * -3 / (1 - 0.9)) / 3
array([1.1], dtype=float32)
"""

from striate.backend import xp
from striate.optimizers._checks import check_number
from striate.optimizers.base import Optimizer

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """With ``t = iterations + 1``::

        m = m + (g - m) * (1 - beta_1)
        u = max(beta_2 * u, abs(g))
        w = w - learning_rate * m / ((1 - beta_1**t) * (u + epsilon))

    PyTorch takes ``u = max(beta_2 * u, abs(g) + eps)`` and no epsilon in the
    step: the two agree exactly only for ``epsilon = 0``.

    Args:
        learning_rate: a float or a LearningRateSchedule. Defaults to 0.001.
        beta_1: decay rate of the first-moment average, in [0, 1).
        beta_2: decay rate of the infinity norm, in [0, 1].
        epsilon: small constant for numerical stability, >= 0.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
        ema_momentum, ema_overwrite_frequency, loss_scale_factor,
        gradient_accumulation_steps, name: see :class:`Optimizer`.

    Raises:
        ValueError: for a beta out of range or a negative epsilon.

    >>> Adamax().get_config()["beta_2"]
    0.999
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name="adamax", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor, gradient_accumulation_steps=gradient_accumulation_steps,
                         name=name, **kwargs)
        self.beta_1 = check_number("Adamax", "beta_1", beta_1, low=0.0, high=1.0, high_open=True)
        self.beta_2 = check_number("Adamax", "beta_2", beta_2, low=0.0, high=1.0)
        self.epsilon = check_number("Adamax", "epsilon", epsilon, low=0.0)

    def build_slots(self, variable):
        return {"momentum": self.slot_like(variable), "norm": self.slot_like(variable)}

    def update_step(self, grad, variable, learning_rate):
        w, slots = variable.data, self._slots[id(variable)]
        m, u = slots["momentum"], slots["norm"]
        tmp = self._scratch(w)
        b1, t = self.beta_1, self.iterations + 1
        m *= b1
        xp.multiply(grad, 1.0 - b1, out=tmp)
        m += tmp
        u *= self.beta_2
        xp.abs(grad, out=tmp)
        xp.maximum(u, tmp, out=u)
        xp.add(u, self.epsilon, out=tmp)
        xp.divide(m, tmp, out=tmp)
        tmp *= learning_rate / (1.0 - b1 ** t)
        w -= tmp

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
