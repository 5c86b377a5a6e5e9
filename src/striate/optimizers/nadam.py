"""Nadam, Adam with Nesterov momentum (Dozat, 2015), as Keras 3 writes it.

>>> import numpy as np
>>> from striate.variables import Variable
>>> w = Variable(np.array([1.0, 1.0]))
>>> Nadam(learning_rate=0.1).apply([np.array([0.5, -2.0])], [w])
>>> w.numpy().round(4)        # the look-ahead makes step 1 about 1.063 * lr * sign(g)
array([0.8937, 1.1063], dtype=float32)
"""

from striate.backend import xp
from striate.optimizers._checks import check_number
from striate.optimizers.base import Optimizer

__all__ = ["Nadam"]


class Nadam(Optimizer):
    """With ``t = iterations + 1`` and the momentum schedule
    ``u_t = beta_1 * (1 - 0.5 * 0.96**t)``::

        u_product = u_product * u_t                 # shared by all variables, starts at 1
        m = m + (g - m) * (1 - beta_1)
        v = v + (g**2 - v) * (1 - beta_2)
        m_hat = u_{t+1} * m / (1 - u_product * u_{t+1}) + (1 - u_t) * g / (1 - u_product)
        v_hat = v / (1 - beta_2**t)
        w = w - learning_rate * m_hat / (sqrt(v_hat) + epsilon)

    This is PyTorch's NAdam with ``momentum_decay=1.0`` (PyTorch defaults to
    0.004, i.e. ``0.96**(0.004 * t)``), epsilon included.

    Args:
        learning_rate: a float or a LearningRateSchedule. Defaults to 0.001.
        beta_1: decay rate of the first-moment average, in [0, 1).
        beta_2: decay rate of the second-moment average, in [0, 1).
        epsilon: small constant for numerical stability, >= 0.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
        ema_momentum, ema_overwrite_frequency, loss_scale_factor,
        gradient_accumulation_steps, name: see :class:`Optimizer`.

    Raises:
        ValueError: for a beta outside [0, 1) or a negative epsilon.

    >>> Nadam().get_state()["u_product"]
    array(1.)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name="nadam", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor, gradient_accumulation_steps=gradient_accumulation_steps,
                         name=name, **kwargs)
        self.beta_1 = check_number("Nadam", "beta_1", beta_1, low=0.0, high=1.0, high_open=True)
        self.beta_2 = check_number("Nadam", "beta_2", beta_2, low=0.0, high=1.0, high_open=True)
        self.epsilon = check_number("Nadam", "epsilon", epsilon, low=0.0)
        self._shared["u_product"] = 1.0

    def _u(self, t):
        return self.beta_1 * (1.0 - 0.5 * 0.96 ** t)

    def build_slots(self, variable):
        return {"momentum": self.slot_like(variable), "velocity": self.slot_like(variable)}

    def prepare_step(self, learning_rate):
        # Once per update, not per variable: every variable's step uses the same product.
        self._shared["u_product"] *= self._u(self.iterations + 1)

    def update_step(self, grad, variable, learning_rate):
        w, slots = variable.data, self._slots[id(variable)]
        m, v = slots["momentum"], slots["velocity"]
        b1, b2, t = self.beta_1, self.beta_2, self.iterations + 1
        u_t, u_next, u_product = self._u(t), self._u(t + 1), self._shared["u_product"]
        m_hat, tmp = self._scratch(w, 0), self._scratch(w, 1)
        m *= b1
        xp.multiply(grad, 1.0 - b1, out=tmp)
        m += tmp
        v *= b2
        xp.square(grad, out=tmp)
        tmp *= 1.0 - b2
        v += tmp
        xp.multiply(m, u_next / (1.0 - u_product * u_next), out=m_hat)
        xp.multiply(grad, (1.0 - u_t) / (1.0 - u_product), out=tmp)
        m_hat += tmp
        xp.divide(v, 1.0 - b2 ** t, out=tmp)
        xp.sqrt(tmp, out=tmp)
        tmp += self.epsilon
        m_hat /= tmp
        m_hat *= learning_rate
        w -= m_hat

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
