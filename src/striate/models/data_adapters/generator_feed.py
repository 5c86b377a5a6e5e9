"""A Python generator read ahead by one background thread, for fit/evaluate/predict.

A generator can only be advanced by one thread at a time, so one producer
thread calls ``next()`` and keeps up to ``max_queue_size`` batches ready while
the model trains. It runs inside ``striate.random.scoped_generator`` with a
generator seeded from the global generator's state (``striate.random.state_seed``,
which does not advance it), so random draws made in the generator are repeatable
and do not race with the training thread's (dropout, shuffling). An exception raised by the generator is handed
over in order and raised by :meth:`GeneratorFeed.take`, naming the batch.

>>> feed = GeneratorFeed(iter(range(5)))
>>> list(feed.take(3)), list(feed.take(3)), feed.exhausted
([0, 1, 2], [3, 4], True)
>>> feed.close()
"""

import queue
import threading

from striate import random
from striate.backend import host
from striate.models.data_adapters.workers import add_note

__all__ = ["GeneratorFeed"]

_END = object()  # the generator is exhausted
_POLL_S = 0.1


class GeneratorFeed:
    """Batches of ``generator`` prepared by one background thread (see the module docstring).

    Args:
        generator: any iterator.
        max_queue_size: batches kept ready at most.
        seed: the seed of the producer's generator (default: from the global state,
            ``striate.random.state_seed``).
    """

    def __init__(self, generator, max_queue_size=10, seed=None):
        self.generator = generator
        self.exhausted = False
        self.count = 0  # batches handed out so far
        self._queue = queue.Queue(maxsize=max(1, int(max_queue_size)))
        self._stop = threading.Event()
        self._peeked = []
        self._seed = random.state_seed("generator") if seed is None else int(seed)
        self._thread = None  # started by the first read, so that making a feed has no side effects

    def _start(self):
        if self._thread is None:
            self._thread = threading.Thread(target=self._produce, args=(self._seed,), name="striate-generator",
                                            daemon=True)
            self._thread.start()

    def _produce(self, seed):
        with random.scoped_generator(host.random.default_rng(seed)):
            while not self._stop.is_set():
                try:
                    item = (True, next(self.generator))
                except StopIteration:
                    item = (True, _END)
                except BaseException as error:  # noqa: BLE001 - re-raised in the trainer's thread
                    item = (False, error)
                while not self._stop.is_set():
                    try:
                        self._queue.put(item, timeout=_POLL_S)
                        break
                    except queue.Full:
                        continue
                if item[1] is _END or not item[0]:
                    return

    def _get(self):
        if self._peeked:
            return self._peeked.pop()
        self._start()
        while True:
            try:
                return self._queue.get(timeout=_POLL_S)
            except queue.Empty:
                if not self._thread.is_alive() and self._queue.empty():
                    return True, _END

    def peek(self):
        """The next batch without consuming it (None when the generator is exhausted)."""
        item = self._get()
        self._peeked.append(item)
        if not item[0]:
            raise self._error(item[1])
        return None if item[1] is _END else item[1]

    def take(self, steps=None):
        """Yield up to ``steps`` batches (all that remain when None)."""
        taken = 0
        while (steps is None or taken < steps) and not self.exhausted:
            ok, value = self._get()
            if not ok:
                self.exhausted = True
                raise self._error(value)
            if value is _END:
                self.exhausted = True
                return
            taken += 1
            self.count += 1
            yield value

    def _error(self, error):
        add_note(error, f"raised by the data generator while producing batch {self.count} "
                        f"(counted from the start of this fit/evaluate/predict)")
        return error

    def close(self):
        """Stop the producer (it finishes the ``next()`` it may be in)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
