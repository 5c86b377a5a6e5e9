"""Adagrad (Duchi et al., 2011) as Keras 3 writes it.

>>> import numpy as np
>>> from striate.variables import Variable
>>> w = Variable(np.array([1.0]))
>>> Adagrad(learning_rate=0.1, initial_accumulator_value=0.0, epsilon=0.0).apply([np.array([4.0])], [w])
>>> w.numpy()                 # 1 - 0.1 * 4 / sqrt(16)
array([0.9], dtype=float32)
"""

from striate.backend import xp
from striate.optimizers._checks import check_number
from striate.optimizers.base import Optimizer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Per-weight learning rates that shrink with the sum of squared gradients.

    ::

        accumulator = accumulator + g**2          # starts at initial_accumulator_value
        w = w - learning_rate * g / sqrt(accumulator + epsilon)

    ``epsilon`` is inside the square root; PyTorch adds it outside
    (``sqrt(accumulator) + eps``), so the two agree exactly only for ``epsilon = 0``.

    Args:
        learning_rate: a float or a LearningRateSchedule. Defaults to 0.001
            (the paper's form is 1.0).
        initial_accumulator_value: starting value of the accumulators, >= 0.
        epsilon: small constant for numerical stability, >= 0.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
        ema_momentum, ema_overwrite_frequency, loss_scale_factor,
        gradient_accumulation_steps, name: see :class:`Optimizer`.

    Raises:
        ValueError: for a negative ``initial_accumulator_value`` or epsilon.

    >>> Adagrad().get_config()["initial_accumulator_value"]
    0.1
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name="adagrad", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor, gradient_accumulation_steps=gradient_accumulation_steps,
                         name=name, **kwargs)
        self.initial_accumulator_value = check_number("Adagrad", "initial_accumulator_value",
                                                      initial_accumulator_value, low=0.0)
        self.epsilon = check_number("Adagrad", "epsilon", epsilon, low=0.0)

    def build_slots(self, variable):
        return {"accumulator": self.slot_like(variable, self.initial_accumulator_value)}

    def update_step(self, grad, variable, learning_rate):
        w, accumulator = variable.data, self._slots[id(variable)]["accumulator"]
        tmp = self._scratch(w)
        xp.square(grad, out=tmp)
        accumulator += tmp
        xp.add(accumulator, self.epsilon, out=tmp)
        xp.sqrt(tmp, out=tmp)
        xp.divide(grad, tmp, out=tmp)
        tmp *= learning_rate
        w -= tmp

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon})
        return config
