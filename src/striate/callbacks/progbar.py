"""The progress bar that ``fit(verbose=1)`` shows, and the one-line-per-epoch log of ``verbose=2``.

Output looks like Keras 3's::

    Epoch 1/30
    40/40 ━━━━━━━━━━━━━━━━━━━━ 1s 4ms/step - accuracy: 0.8912 - loss: 0.3811 - val_accuracy: 0.9120 - val_loss: 0.3011

On a terminal the bar is redrawn in place (at most ten times a second, so a
fast epoch is not slowed by printing); in a log file only the final line of
each epoch is written.
"""

import sys
import time

from striate.callbacks.callback import Callback

__all__ = ["Progbar", "ProgbarLogger"]


def _format_duration(seconds):
    if seconds >= 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds >= 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(round(seconds))}s"


def _format_per_step(seconds):
    if seconds >= 1:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


def format_logs(logs):
    """``- name: value`` pairs, training values (sorted) before validation values (sorted)."""
    keys = sorted(k for k in logs if not k.startswith("val_")) + sorted(k for k in logs if k.startswith("val_"))
    parts = []
    for key in keys:
        value = logs[key]
        parts.append(f"{key}: {value:.4f}" if isinstance(value, float) else f"{key}: {value}")
    return "".join(f" - {p}" for p in parts)


class Progbar:
    """A text progress bar over ``target`` steps.

    Args:
        target: number of steps (``None`` when unknown).
        width: characters of the bar.
        verbose: 1 redraws a bar, 2 prints one line at the end.
        stream: where to write (default ``sys.stdout``).
    """

    def __init__(self, target, width=20, verbose=1, stream=None, interval=0.1):
        self.target, self.width, self.verbose, self.interval = target, width, verbose, interval
        self.stream = stream or sys.stdout
        self.dynamic = _is_interactive(self.stream)
        self.start = time.perf_counter()
        self.last_draw = 0.0

    def update(self, current, logs=None, finalize=False):
        """Show progress ``current`` of ``target`` with ``logs``; ``finalize`` ends the line."""
        now = time.perf_counter()
        if not finalize and (not self.dynamic or self.verbose != 1 or now - self.last_draw < self.interval):
            return
        self.last_draw = now
        elapsed = now - self.start
        per_step = elapsed / max(current, 1)
        # Keras: an unknown number of steps shows as "12/Unknown", without a bar or an ETA.
        counter = f"{current}/{self.target}" if self.target else f"{current}/Unknown"
        if self.target:
            counter = counter.rjust(2 * len(str(self.target)) + 1)
        if self.verbose == 2:
            line = f"{counter} - {_format_duration(elapsed)} - {_format_per_step(per_step)}{format_logs(logs or {})}"
        else:
            filled = int(self.width * current / self.target) if self.target else 0
            bar = "━" * filled + " " * (self.width - filled) if self.dynamic else "━" * filled + "─" * (self.width - filled)
            if not self.target:
                bar = ""
            if finalize:
                timing = f"{_format_duration(elapsed)} {_format_per_step(per_step)}"
            else:
                remaining = per_step * (self.target - current) if self.target else 0.0
                timing = f"ETA: {_format_duration(remaining)}"
            line = f"{counter} {bar + ' ' if bar else ''}{timing}{format_logs(logs or {})}"
        if self.dynamic and self.verbose == 1:
            self.stream.write("\r" + line + ("\n" if finalize else "\x1b[K"))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _in_notebook():
    """Whether this process is a Jupyter kernel (not merely one that imported ipykernel)."""
    ipython = sys.modules.get("IPython")
    try:
        shell = ipython.get_ipython() if ipython is not None else None
    except Exception:  # an IPython too old or half-imported: assume a plain process
        return False
    return type(shell).__name__ == "ZMQInteractiveShell"


def _is_interactive(stream):
    if _in_notebook():
        return True
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


class ProgbarLogger(Callback):
    """Prints training progress: ``verbose=1`` a bar per epoch, ``verbose=2`` one line per epoch."""

    rank_zero_only = True  # prints or writes files: process 0 only under data parallelism

    def __init__(self, stream=None):
        super().__init__()
        self.stream = stream
        self.bar = None
        self.seen, self._learned_steps = 0, None

    def _verbose(self):
        return self.params.get("verbose", 1)

    def _new_bar(self):
        # With an unknown number of steps (a generator), the first epoch counts them for the next.
        self.seen = 0
        self.bar = Progbar(self.params.get("steps") or self._learned_steps, verbose=self._verbose(),
                           stream=self.stream)

    def _advance(self, batch, logs=None):
        self.seen = batch + 1
        self.bar.update(self.seen, logs)

    def _finish(self, logs=None, learn=False):
        steps = self.params.get("steps") or self._learned_steps or self.seen
        if learn and not self.params.get("steps"):
            self._learned_steps = self.seen or None
        self.bar.target = steps or None
        self.bar.update(steps, logs, finalize=True)

    def on_epoch_begin(self, epoch, logs=None):
        epochs = self.params.get("epochs")
        stream = self.stream or sys.stdout
        stream.write(f"Epoch {epoch + 1}/{epochs}\n")
        stream.flush()
        self._new_bar()

    def on_train_batch_end(self, batch, logs=None):
        self._advance(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._finish(logs, learn=True)

    def on_test_begin(self, logs=None):
        if self.params.get("mode") == "evaluate":
            self._new_bar()

    def on_test_batch_end(self, batch, logs=None):
        if self.params.get("mode") == "evaluate":
            self._advance(batch, logs)

    def on_test_end(self, logs=None):
        if self.params.get("mode") == "evaluate":
            self._finish(logs)

    def on_predict_begin(self, logs=None):
        self._new_bar()

    def on_predict_batch_end(self, batch, logs=None):
        self._advance(batch)

    def on_predict_end(self, logs=None):
        self._finish()
