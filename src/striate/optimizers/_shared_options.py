"""The options every optimizer shares around its update rule (a mixin of ``Optimizer``).

Gradient accumulation (``gradient_accumulation_steps``), the moving average of
the weights (``use_ema``) and decoupled weight decay (``weight_decay`` with
``exclude_from_weight_decay``). Their state lives in the optimizer's slots
(``"gradient_accumulator"``, ``"average"``), so checkpoints carry it; the order in
which ``Optimizer.apply`` runs them is documented in ``base.py``.
"""

import re

from striate.backend import xp

__all__ = ["SharedOptions"]


class SharedOptions:
    """Accumulation, EMA and weight decay; uses the optimizer's ``_slot``, ``_scratch``,
    ``_update`` and ``_tracked``."""

    # ---- gradient accumulation and the moving average ----------------------------
    def _accumulate(self, grads, variables):
        steps = self.gradient_accumulation_steps
        accumulators = [self._slot(v, "gradient_accumulator", self.slot_like) for v in variables]
        if (self._iterations + 1) % steps:
            for g, acc in zip(grads, accumulators):
                acc += g
            return
        mean_grads = []
        for g, acc in zip(grads, accumulators):
            mean = g + acc
            mean /= steps
            mean_grads.append(mean)
        self._update(mean_grads, variables)
        for v in self._tracked:     # all of them, as Keras
            self._slot(v, "gradient_accumulator", self.slot_like).fill(0)

    def _update_average(self):
        # Keras: the first step copies the weights (momentum 0), later steps average.
        m = self.ema_momentum if self.iterations != 0 else 0.0
        for v in self._tracked:
            average = self._slot(v, "average", lambda var: var.data.copy())
            average *= m
            tmp = self._scratch(v.data)
            xp.multiply(v.data, 1.0 - m, out=tmp)
            average += tmp
        if self.ema_overwrite_frequency and (self.iterations + 1) % self.ema_overwrite_frequency == 0:
            self.finalize_variable_values(self._tracked)

    def finalize_variable_values(self, var_list):
        """With ``use_ema``, copy the moving averages into the variables (Keras calls this after ``fit``)."""
        if not self.use_ema:
            return
        for v in var_list:
            average = self._slots.get(id(v), {}).get("average")
            if average is not None:
                v.data[...] = average

    # ---- weight decay -----------------------------------------------------------
    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exempt variables from ``weight_decay``.

        Unlike Keras, this may be called at any time (state is built lazily).

        Args:
            var_list: Variables to exempt.
            var_names: regular expressions; a variable whose ``name`` or ``path``
                contains a match is exempt (``["bias"]`` exempts all biases).
        """
        if isinstance(var_names, str):
            var_names = [var_names]
        # The list is kept so that the excluded variables (and hence their ids) stay alive.
        self._excluded = list(var_list or ())
        self._exclude_ids = {id(v) for v in self._excluded}
        self._exclude_pattern = re.compile("|".join(sorted(set(var_names)))) if var_names else None
        self._decay_cache = {}

    def _use_weight_decay(self, variable):
        key = id(variable)
        use = self._decay_cache.get(key)
        if use is None:
            pattern = self._exclude_pattern
            names = (getattr(variable, "name", None) or "", getattr(variable, "path", None) or "")
            use = key not in self._exclude_ids and not (pattern and any(pattern.search(n) for n in names))
            self._decay_cache[key] = use
        return use

    def _apply_weight_decay(self, variables, lr):
        # w * (1 - wd * lr) equals Keras's w - w * wd * lr, in one pass instead of three.
        factor = 1.0 - self.weight_decay * lr
        for v in variables:
            if self._use_weight_decay(v):
                xp.multiply(v.data, factor, out=v.data)
