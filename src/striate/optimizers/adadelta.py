"""Adadelta (Zeiler, 2012) as Keras 3 writes it.

>>> import numpy as np
>>> from striate.variables import Variable
>>> w = Variable(np.array([1.0]))
>>> Adadelta(learning_rate=1.0, rho=0.5, epsilon=0.01).apply([np.array([1.0])], [w])
>>> w.numpy().round(6)        # 1 - sqrt(0 + 0.01) * 1 / sqrt(0.5 + 0.01)
array([0.859972], dtype=float32)
"""

from striate.backend import xp
from striate.optimizers._checks import check_number
from striate.optimizers.base import Optimizer

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Step sizes from running averages of squared gradients and squared updates.

    With ``rms(x) = sqrt(x + epsilon)``::

        accumulated_grad = rho * accumulated_grad + (1 - rho) * g**2
        delta = -rms(accumulated_delta_var) * g / rms(accumulated_grad)
        accumulated_delta_var = rho * accumulated_delta_var + (1 - rho) * delta**2
        w = w + learning_rate * delta

    This is exactly PyTorch's Adadelta (epsilon included).

    Args:
        learning_rate: a float or a LearningRateSchedule. Defaults to 0.001
            (the paper's form is 1.0).
        rho: the decay rate, in [0, 1].
        epsilon: small constant for numerical stability, >= 0.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
        ema_momentum, ema_overwrite_frequency, loss_scale_factor,
        gradient_accumulation_steps, name: see :class:`Optimizer`.

    Raises:
        ValueError: for ``rho`` outside [0, 1] or a negative epsilon.

    >>> Adadelta().get_config()["rho"]
    0.95
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name="adadelta", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor, gradient_accumulation_steps=gradient_accumulation_steps,
                         name=name, **kwargs)
        self.rho = check_number("Adadelta", "rho", rho, low=0.0, high=1.0)
        self.epsilon = check_number("Adadelta", "epsilon", epsilon, low=0.0)

    def build_slots(self, variable):
        return {"accumulated_grad": self.slot_like(variable), "accumulated_delta_var": self.slot_like(variable)}

    def update_step(self, grad, variable, learning_rate):
        w, slots = variable.data, self._slots[id(variable)]
        acc_grad, acc_delta = slots["accumulated_grad"], slots["accumulated_delta_var"]
        rho, eps = self.rho, self.epsilon
        step, tmp = self._scratch(w, 0), self._scratch(w, 1)
        acc_grad *= rho
        xp.square(grad, out=tmp)
        tmp *= 1.0 - rho
        acc_grad += tmp
        xp.add(acc_delta, eps, out=step)
        xp.sqrt(step, out=step)
        step *= grad
        xp.add(acc_grad, eps, out=tmp)
        xp.sqrt(tmp, out=tmp)
        step /= tmp                               # step = -delta
        acc_delta *= rho
        xp.square(step, out=tmp)
        tmp *= 1.0 - rho
        acc_delta += tmp
        step *= learning_rate
        w -= step

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
