"""RMSprop (Hinton, 2012) as Keras 3 writes it, with optional momentum and centering.

>>> import numpy as np
>>> from striate.variables import Variable
>>> w = Variable(np.array([10.0]))
>>> RMSprop(learning_rate=0.1).apply([w.numpy().copy()], [w])   # loss w**2 / 2
>>> w.numpy().round(6)        # Keras's own docstring example: 9.683772
array([9.683772], dtype=float32)
"""

from striate.backend import xp
from striate.optimizers._checks import check_bool, check_number
from striate.optimizers.base import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """Divide the gradient by a running root mean square of recent gradients.

    ::

        velocity = rho * velocity + (1 - rho) * g**2
        average_gradient = rho * average_gradient + (1 - rho) * g     # centered only
        denominator = velocity - average_gradient**2 + epsilon         # centered
        denominator = velocity + epsilon                               # otherwise
        increment = learning_rate * g / sqrt(denominator)
        momentum_buffer = momentum * momentum_buffer + increment       # momentum > 0
        w = w - momentum_buffer   (or w = w - increment without momentum)

    ``epsilon`` is inside the square root; PyTorch adds it outside
    (``sqrt(velocity) + eps``), so the two agree exactly only for ``epsilon = 0``.
    PyTorch's momentum buffer holds ``g / sqrt(...)`` without the learning
    rate: the same iterates while the learning rate is constant.

    Args:
        learning_rate: a float or a LearningRateSchedule. Defaults to 0.001.
        rho: discount factor of the old squared gradients, in [0, 1].
        momentum: momentum factor in [0, 1]; 0 disables the momentum buffer.
        epsilon: small constant for numerical stability, >= 0.
        centered: normalise by the estimated variance (``velocity - mean**2``)
            instead of the uncentered second moment.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
        ema_momentum, ema_overwrite_frequency, loss_scale_factor,
        gradient_accumulation_steps, name: see :class:`Optimizer`.

    Raises:
        ValueError: for ``rho`` or ``momentum`` outside [0, 1] or a negative epsilon.

    >>> RMSprop().get_config()["rho"]
    0.9
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name="rmsprop", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor, gradient_accumulation_steps=gradient_accumulation_steps,
                         name=name, **kwargs)
        self.rho = check_number("RMSprop", "rho", rho, low=0.0, high=1.0)
        self.momentum = check_number("RMSprop", "momentum", momentum, low=0.0, high=1.0)
        self.epsilon = check_number("RMSprop", "epsilon", epsilon, low=0.0)
        self.centered = check_bool("RMSprop", "centered", centered)

    def build_slots(self, variable):
        slots = {"velocity": self.slot_like(variable)}
        if self.momentum > 0:
            slots["momentum"] = self.slot_like(variable)
        if self.centered:
            slots["average_gradient"] = self.slot_like(variable)
        return slots

    def update_step(self, grad, variable, learning_rate):
        w, slots = variable.data, self._slots[id(variable)]
        velocity, rho = slots["velocity"], self.rho
        tmp = self._scratch(w)
        velocity *= rho
        xp.square(grad, out=tmp)
        tmp *= 1.0 - rho
        velocity += tmp
        average = slots.get("average_gradient")
        if average is not None:
            average *= rho
            xp.multiply(grad, 1.0 - rho, out=tmp)
            average += tmp
            xp.square(average, out=tmp)
            xp.subtract(velocity, tmp, out=tmp)
            tmp += self.epsilon
        else:
            xp.add(velocity, self.epsilon, out=tmp)
        xp.sqrt(tmp, out=tmp)
        xp.divide(grad, tmp, out=tmp)
        tmp *= learning_rate                      # increment = lr * g / sqrt(denominator)
        buffer = slots.get("momentum")
        if buffer is not None:
            buffer *= self.momentum
            buffer += tmp
            w -= buffer
        else:
            w -= tmp

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config
