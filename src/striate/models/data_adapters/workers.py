"""Background workers that call ``PyDataset.__getitem__`` ahead of the training loop, in order.

One :class:`BatchWorkers` serves one data set for one ``fit``/``evaluate``/``predict``:
threads (persistent, shared memory) or processes (started per epoch, forked on
Linux so that changes made in ``on_epoch_end`` reach them, as in Keras). Tasks
go out at most ``max_queue_size`` ahead of the batch the trainer waits for, and
the results are handed back in the order of the indices, whoever computed them.

Every batch is computed by :func:`compute_batch` with its own generator seeded
from ``(epoch seed, index)``, so its random draws do not depend on the worker.
A batch that raised comes back as its exception (with the worker's traceback in
a note for processes) and is raised when the trainer reaches it. ``close()``
stops every worker: sentinels, then a join with a timeout, then terminate.

>>> import numpy as np
>>> class Double:
...     def __getitem__(self, i):
...         return np.full(2, 2.0 * i)
>>> workers = BatchWorkers(Double(), workers=2)
>>> [batch.tolist() for _, batch in workers.run_epoch([2, 0, 1], seed=0)]
[[4.0, 4.0], [0.0, 0.0], [2.0, 2.0]]
>>> workers.close()
"""

import multiprocessing
import queue
import signal
import sys
import threading
import traceback

from striate import random
from striate.backend import host

__all__ = ["BatchWorkers", "compute_batch", "WorkerDied", "add_note", "describe"]

_POLL_S = 0.1  # how often a waiting trainer checks that its worker processes are alive
_JOIN_S = 5.0  # how long close() waits for a worker before it terminates it


class WorkerDied(RuntimeError):
    """A data worker process ended without delivering its batch (killed, out of memory, crashed)."""


def compute_batch(dataset, index, seed):
    """``dataset[index]`` with ``striate.random.generator()`` seeded from ``(*seed, index)``."""
    entropy = [int(s) for s in (seed if isinstance(seed, (tuple, list)) else (seed,))] + [int(index)]
    with random.scoped_generator(host.random.default_rng(entropy)):
        return dataset[index]


def describe(dataset, index, position, where):
    return (f"raised by {type(dataset).__name__}.__getitem__({index}) (batch {position} of the epoch) "
            f"in {where}")


def _serve(dataset, tasks, results, in_process):
    """A worker's loop: tasks ``(epoch, position, index, seed)`` until the sentinel None."""
    while True:
        task = tasks.get()
        if task is None:
            return
        epoch, position, index, seed = task
        try:
            results.put((epoch, position, True, compute_batch(dataset, index, seed)))
        except BaseException as error:  # noqa: BLE001 - handed to the trainer, which re-raises it
            results.put((epoch, position, False, _portable(error) if in_process else error))


def _portable(error):
    """An exception raised in a process, as it can travel: a picklable copy and the traceback's text."""
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    try:
        import pickle
        copy = pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - an unpicklable exception becomes a RuntimeError with its text
        copy = RuntimeError(f"{type(error).__name__}: {error}")
    return copy, text


def _process_main(dataset, tasks, results):
    # Ctrl-C goes to the whole process group; the trainer handles it and stops us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    results.cancel_join_thread()  # exiting must not wait for a trainer that stopped reading
    _serve(dataset, tasks, results, True)


def _context():
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    return multiprocessing.get_context(method)


class BatchWorkers:
    """Threads or processes that compute ``dataset[i]`` (see the module docstring).

    Args:
        dataset: anything with ``__getitem__`` (a ``PyDataset``).
        workers: number of workers (>= 1).
        use_multiprocessing: processes instead of threads.
        max_queue_size: batches requested ahead of the one being consumed.
    """

    def __init__(self, dataset, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.dataset = dataset
        self.workers = max(1, int(workers))
        self.use_multiprocessing = bool(use_multiprocessing)
        self.max_queue_size = max(1, int(max_queue_size))
        self._epoch = 0
        self._threads = []
        self._processes = []
        self._tasks = self._results = None

    # ---- starting and stopping ----------------------------------------------------------
    def _start(self):
        if self.use_multiprocessing:
            ctx = _context()
            self._tasks, self._results = ctx.Queue(), ctx.Queue()
            self._processes = [ctx.Process(target=_process_main, name=f"striate-data-{k}", daemon=True,
                                           args=(self.dataset, self._tasks, self._results))
                               for k in range(self.workers)]
            for process in self._processes:
                process.start()
        elif not self._threads:
            self._tasks, self._results = queue.Queue(), queue.Queue()
            self._threads = [threading.Thread(target=_serve, name=f"striate-data-{k}", daemon=True,
                                              args=(self.dataset, self._tasks, self._results, False))
                             for k in range(self.workers)]
            for thread in self._threads:
                thread.start()

    def _stop_processes(self, abort=False):
        """Sentinels and a join when the epoch is done; terminate at once when it was abandoned
        (the workers may be busy with batches nobody will read)."""
        processes, self._processes = self._processes, []
        for _ in processes:
            self._tasks.put(None)
        for process in processes:
            if abort:
                process.terminate()
            process.join(_JOIN_S)
            if process.is_alive():
                process.terminate()
                process.join(_JOIN_S)
        for q in (self._tasks, self._results):
            q.cancel_join_thread()
            q.close()
        self._tasks = self._results = None

    def close(self):
        """Stop all workers (idempotent)."""
        if self._processes:
            self._stop_processes(abort=True)
        threads, self._threads = self._threads, []
        if threads:
            _drain(self._tasks)
            for _ in threads:
                self._tasks.put(None)
            for thread in threads:
                thread.join(_JOIN_S)

    # ---- one epoch ------------------------------------------------------------------------
    def run_epoch(self, indices, seed):
        """Yield ``(index, batch)`` for ``indices`` in order; raise a batch's error when it is reached.

        Closing the generator early (the trainer stopped) discards the rest of the epoch.
        """
        indices = list(indices)
        self._epoch += 1
        epoch = self._epoch
        self._start()
        ready = {}
        sent = 0
        done = False
        try:
            for sent in range(min(self.max_queue_size, len(indices))):
                self._tasks.put((epoch, sent, indices[sent], seed))
            sent = min(self.max_queue_size, len(indices))
            for position, index in enumerate(indices):
                while position not in ready:
                    got_epoch, got_position, ok, payload = self._next_result(position, index)
                    if got_epoch == epoch:
                        ready[got_position] = (ok, payload)
                ok, payload = ready.pop(position)
                if sent < len(indices):
                    self._tasks.put((epoch, sent, indices[sent], seed))
                    sent += 1
                if not ok:
                    raise self._as_error(payload, index, position)
                yield index, payload
            done = True
        finally:
            if self.use_multiprocessing:
                self._stop_processes(abort=not done)
            elif self._tasks is not None:
                _drain(self._tasks)  # tasks of an abandoned epoch; their results are ignored

    def _next_result(self, position, index):
        while True:
            try:
                return self._results.get(timeout=_POLL_S)
            except queue.Empty:
                for process in self._processes:
                    if not process.is_alive():
                        raise WorkerDied(f"data worker process {process.name} (pid {process.pid}) ended with exit "
                                         f"code {process.exitcode} while batch {position} "
                                         f"({type(self.dataset).__name__}[{index}]) was being prepared") from None

    def _as_error(self, payload, index, position):
        if isinstance(payload, tuple):
            error, text = payload
            add_note(error, describe(self.dataset, index, position, "a data worker process") +
                     "; the worker's traceback:\n" + text.rstrip())
        else:
            error = payload
            add_note(error, describe(self.dataset, index, position, "a data worker thread"))
        return error


def add_note(error, text):
    """``error.add_note(text)`` (Python >= 3.11; earlier versions keep the note unshown in ``__notes__``)."""
    if hasattr(error, "add_note"):
        error.add_note(text)
    else:
        error.__notes__ = [*getattr(error, "__notes__", []), text]


def _drain(tasks):
    while True:
        try:
            tasks.get_nowait()
        except queue.Empty:
            return
