"""Adam and AdamW, with Keras 3's bias correction folded into the step size.

>>> import numpy as np
>>> from striate.variables import Variable
>>> w = Variable(np.array([1.0, 1.0]))
>>> Adam(learning_rate=0.1).apply([np.array([0.5, -2.0])], [w])
>>> w.numpy().round(4)      # the first step moves each weight by ~lr * sign(g)
array([0.9, 1.1], dtype=float32)
"""

import math

from striate.backend import xp
from striate.optimizers._checks import check_bool, check_number
from striate.optimizers.base import Optimizer

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2014) as Keras 3 computes it.

    With ``t = iterations + 1``::

        m = m + (g - m) * (1 - beta_1)
        v = v + (g**2 - v) * (1 - beta_2)
        v_hat = max(v_hat, v); v = v_hat               # only with amsgrad
        alpha = learning_rate * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        w = w - alpha * m / (sqrt(v) + epsilon)

    ``epsilon`` is the paper's "epsilon hat", added to ``sqrt(v)`` before the
    bias correction of ``v``. PyTorch adds it after (``sqrt(v / (1 - beta_2**t)) + eps``),
    so the two agree exactly only for ``epsilon = 0``.

    Args:
        learning_rate: a float or a LearningRateSchedule. Defaults to 0.001.
        beta_1: decay rate of the first-moment average, in [0, 1).
        beta_2: decay rate of the second-moment average, in [0, 1).
        epsilon: small constant for numerical stability, >= 0.
        amsgrad: use AMSGrad (Reddi et al., 2018): the running maximum of ``v``.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
        ema_momentum, ema_overwrite_frequency, loss_scale_factor,
        gradient_accumulation_steps, name: see :class:`Optimizer`.

    Raises:
        ValueError: for a beta outside [0, 1) or a negative epsilon.

    >>> Adam().get_config()["epsilon"]
    1e-07
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None, name="adam",
                 **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor, gradient_accumulation_steps=gradient_accumulation_steps,
                         name=name, **kwargs)
        owner = type(self).__name__
        self.beta_1 = check_number(owner, "beta_1", beta_1, low=0.0, high=1.0, high_open=True)
        self.beta_2 = check_number(owner, "beta_2", beta_2, low=0.0, high=1.0, high_open=True)
        self.epsilon = check_number(owner, "epsilon", epsilon, low=0.0)
        self.amsgrad = check_bool(owner, "amsgrad", amsgrad)

    def build_slots(self, variable):
        slots = {"momentum": self.slot_like(variable), "velocity": self.slot_like(variable)}
        if self.amsgrad:
            slots["velocity_hat"] = self.slot_like(variable)
        return slots

    def update_step(self, grad, variable, learning_rate):
        w, slots = variable.data, self._slots[id(variable)]
        b1, b2, t = self.beta_1, self.beta_2, self.iterations + 1
        alpha = learning_rate * math.sqrt(1.0 - b2 ** t) / (1.0 - b1 ** t)
        v_hat = slots.get("velocity_hat") if self.amsgrad else None
        arrays = (w, slots["momentum"], slots["velocity"]) + ((v_hat,) if v_hat is not None else ()) + (grad,)
        for pieces in self._blocks(*arrays):
            w_, m, v = pieces[:3]
            g, tmp = pieces[-2:]
            # m + (g - m)(1 - b1) == b1 m + (1 - b1) g: the second form runs as cheap in-place scalar ops.
            m *= b1
            xp.multiply(g, 1.0 - b1, out=tmp)
            m += tmp
            v *= b2
            xp.square(g, out=tmp)
            tmp *= 1.0 - b2
            v += tmp
            if v_hat is not None:
                xp.maximum(pieces[3], v, out=pieces[3])
                v = pieces[3]
            xp.sqrt(v, out=tmp)
            tmp += self.epsilon
            xp.divide(m, tmp, out=tmp)
            tmp *= alpha
            w_ -= tmp

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon, "amsgrad": self.amsgrad})
        return config


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as Keras 3.

    It is :class:`Adam` with ``weight_decay`` defaulting to 0.004: before each
    update ``w = w - w * weight_decay * learning_rate`` (the base class's
    decay), then the Adam step. PyTorch's AdamW does the same
    (``w *= 1 - lr * weight_decay`` first) but defaults to ``weight_decay=0.01``.

    Args:
        learning_rate, beta_1, beta_2, epsilon, amsgrad: see :class:`Adam`.
        weight_decay: the decoupled decay rate. Defaults to 0.004.
        clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
        ema_overwrite_frequency, loss_scale_factor,
        gradient_accumulation_steps, name: see :class:`Optimizer`.

    Raises:
        ValueError: when ``weight_decay`` is None (and see :class:`Adam`).

    >>> AdamW().weight_decay
    0.004
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None, name="adamw",
                 **kwargs):
        if weight_decay is None:
            raise ValueError("AdamW: argument `weight_decay` must be a float. Received: weight_decay=None")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad,
                         weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency, loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
