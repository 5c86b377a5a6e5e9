"""The processes of a data-parallel run and the few collectives striate needs from them.

striate talks to MPI through one small interface, so that everything above it
(sharding, gradient buckets, metric reduction) is tested in one process with a
fake, and so that a hung collective cannot hang the job:

- ``rank``, ``size``: this process's number and the number of processes;
- ``allreduce(buffer, op)``: in place, ``op`` is ``'sum'`` or ``'max'`` (a contiguous
  NumPy array: MPI sends its bytes, nothing is pickled);
- ``bcast(obj)``: rank 0's Python object to every process (pickled: only for the
  state broadcast when training starts, never per step);
- ``allgather(obj)``: every process's small object, on every process;
- ``abort(message)``: print ``message`` and end every process of the job.

:class:`MPICommunicator` wraps an ``mpi4py`` communicator. Every collective runs
under a watchdog: a daemon thread that, when one collective has waited longer
than ``timeout`` seconds (another process died without the launcher noticing,
or hangs), prints which collective and for how long, and calls ``MPI_Abort``.
mpi4py releases the GIL inside MPI calls, so the watchdog runs while the main
thread is blocked; the blocking collectives themselves stay MPI's own, with no
polling added to their latency.

>>> comm = LocalCommunicator()
>>> import numpy as np
>>> buffer = np.array([1.0, 2.0])
>>> comm.allreduce(buffer).tolist(), comm.rank, comm.size
([1.0, 2.0], 0, 1)
"""

import os
import sys
import threading
import time

__all__ = ["LocalCommunicator", "MPICommunicator", "DEFAULT_TIMEOUT"]

DEFAULT_TIMEOUT = 300.0  # seconds one collective may wait (STRIATE_DISTRIBUTION_TIMEOUT overrides)


class LocalCommunicator:
    """One process alone: every collective is the identity (``python train.py`` without ``mpirun``)."""

    rank, size = 0, 1

    def allreduce(self, buffer, op="sum"):
        return buffer

    def bcast(self, obj):
        return obj

    def allgather(self, obj):
        return [obj]

    def abort(self, message, code=1):
        sys.stderr.write(message.rstrip() + "\n")
        sys.stderr.flush()
        os._exit(code)


class MPICommunicator:
    """An ``mpi4py`` communicator (default ``MPI.COMM_WORLD``) with a watchdog on every collective.

    Args:
        comm: an ``mpi4py.MPI.Comm``, or None for ``COMM_WORLD``.
        timeout: seconds a single collective may wait before the job is aborted
            (None: wait for ever).

    Raises:
        ImportError: when mpi4py is not installed (``pip install 'striate[mpi]'``).
    """

    def __init__(self, comm=None, timeout=DEFAULT_TIMEOUT):
        from mpi4py import MPI  # imported here: importing it starts MPI

        self._mpi = MPI
        self.comm = MPI.COMM_WORLD if comm is None else comm
        self.rank, self.size = self.comm.Get_rank(), self.comm.Get_size()
        self._ops = {"sum": MPI.SUM, "max": MPI.MAX}
        self.timeout = timeout
        self._waiting = None      # (what, since) while a collective runs
        if self.size > 1:
            threading.Thread(target=self._watch, name="striate-mpi-watchdog", daemon=True).start()

    # ---- the collectives ---------------------------------------------------------------
    def allreduce(self, buffer, op="sum"):
        self._waiting = (f"allreduce of {buffer.nbytes} bytes", time.monotonic())
        try:
            self.comm.Allreduce(self._mpi.IN_PLACE, buffer, op=self._ops[op])
        finally:
            self._waiting = None
        return buffer

    def bcast(self, obj):
        self._waiting = ("broadcast of the training state", time.monotonic())
        try:
            return self.comm.bcast(obj, root=0)
        finally:
            self._waiting = None

    def allgather(self, obj):
        self._waiting = ("allgather", time.monotonic())
        try:
            return self.comm.allgather(obj)
        finally:
            self._waiting = None

    def abort(self, message, code=1):
        sys.stderr.write(message.rstrip() + "\n")
        sys.stderr.flush()
        # MPI_Abort asks the launcher to end every process; should it block, leave anyway
        # (the launcher then sees this process exit non-zero and ends the others).
        threading.Timer(10.0, os._exit, (code,)).start()
        self.comm.Abort(code)
        os._exit(code)

    # ---- the watchdog ----------------------------------------------------------------------
    def _watch(self):
        while True:
            timeout = self.timeout  # read each time: DataParallel(timeout=...) may change it
            time.sleep(1.0 if timeout is None else min(1.0, timeout / 4))
            waiting = self._waiting
            if waiting is None or timeout is None:
                continue
            what, since = waiting
            waited = time.monotonic() - since
            if waited > timeout:
                self.abort(f"striate.distribution: process {self.rank} of {self.size} waited {waited:.0f} s in "
                           f"{what} (timeout {timeout:g} s): another process died or hangs, or did not "
                           "make the same call (fit, evaluate and train_on_batch are collective: every process "
                           "must call them). Aborting all processes. (DataParallel(timeout=...) or "
                           "STRIATE_DISTRIBUTION_TIMEOUT sets the limit.)")
