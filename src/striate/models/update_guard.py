"""Ctrl-C during training: held until the step that is changing the weights is complete.

``fit`` installs the handler once (``GUARD.installed()``); each training step runs
inside ``GUARD.update()``. A SIGINT that arrives inside a step is raised as
KeyboardInterrupt right after it, so an update changes all weights or none.
"""

import contextlib
import signal
import threading

__all__ = ["GUARD"]


class UpdateGuard:
    """Holds a Ctrl-C that arrives during an optimizer step until the step is complete,
    so an update changes all weights or none.

    ``installed()`` puts the SIGINT handler in place once per fit (swapping handlers
    every step would cost ~10 us); ``update()`` marks the critical section, which
    costs two attribute writes. Only the main thread receives signals, so elsewhere
    nothing is installed and nothing is deferred.
    """

    def __init__(self):
        self.active = False
        self.in_update = False
        self.pending = False
        self.previous = None

    @contextlib.contextmanager
    def installed(self):
        if self.active or threading.current_thread() is not threading.main_thread():
            yield
            return
        self.previous = signal.signal(signal.SIGINT, self._handle)
        self.active = True
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, self.previous)
            self.active = False

    def _handle(self, signum, frame):
        if self.in_update:
            self.pending = True
        elif callable(self.previous):
            self.previous(signum, frame)  # Python's default handler raises KeyboardInterrupt
        elif self.previous != signal.SIG_IGN:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def update(self):
        self.in_update = True
        try:
            yield
        finally:
            self.in_update = False
            if self.pending:
                self.pending = False
                raise KeyboardInterrupt


GUARD = UpdateGuard()
