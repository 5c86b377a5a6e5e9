"""DataParallel over MPI, in Keras 3's vocabulary: ``set_distribution(DataParallel())`` and train as usual.

Every process (``mpirun -n K python train.py``) holds the whole model and
trains on its shard of each global batch; the gradients are averaged over the
processes with one allreduce per step, so every process applies the same
update and the weights stay the same everywhere (Horovod's design). Without a
launcher (``python train.py``) the distribution has one process and changes
nothing. What happens when, and why, is in ``docs/distributed.md``.

>>> dist = DataParallel()            # one process here: no mpirun
>>> dist.num_processes, dist.data_shard_id, list_devices()
(1, 0, ['cpu:0'])
>>> set_distribution(dist); distribution() is dist
True
>>> set_distribution(None)
"""

import contextlib
import os
import sys
import traceback

from striate.backend import xp
from striate.distribution.buckets import GradientBucket
from striate.distribution.communicator import DEFAULT_TIMEOUT, LocalCommunicator, MPICommunicator

__all__ = ["DataParallel", "DeviceMesh", "distribution", "set_distribution", "list_devices", "initialize",
           "reduce_gradients"]

_DISTRIBUTION = None
_DEFAULT_COMMUNICATOR = None
# Variables that MPI launchers set in the processes they start (Open MPI, PMIx, MPICH/Intel MPI, MVAPICH).
_LAUNCHER_VARIABLES = ("OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK", "MPI_LOCALNRANKS",
                       "MV2_COMM_WORLD_SIZE")


def _timeout_from_environment():
    value = os.environ.get("STRIATE_DISTRIBUTION_TIMEOUT")
    if value is None:
        return DEFAULT_TIMEOUT
    try:
        value = float(value)
    except ValueError:
        raise ValueError(f"STRIATE_DISTRIBUTION_TIMEOUT must be a number of seconds, got {value!r}") from None
    return value if value > 0 else None


def _default_communicator():
    """MPI's world when an MPI launcher started this process, else one process alone (mpi4py not needed)."""
    global _DEFAULT_COMMUNICATOR
    if _DEFAULT_COMMUNICATOR is None:
        if any(name in os.environ for name in _LAUNCHER_VARIABLES):
            try:
                _DEFAULT_COMMUNICATOR = MPICommunicator(timeout=_timeout_from_environment())
            except ImportError:
                raise ImportError("striate.distribution: this process was started by an MPI launcher, but mpi4py "
                                  "is not installed; pip install 'striate[mpi]' (and an MPI: see "
                                  "docs/distributed.md)") from None
        else:
            _DEFAULT_COMMUNICATOR = LocalCommunicator()
    return _DEFAULT_COMMUNICATOR


def list_devices(device_type=None):
    """The devices a distribution can use: one ``'cpu:<rank>'`` per MPI process (Keras: global devices).

    Raises:
        ValueError: for a ``device_type`` other than None or ``'cpu'`` (striate runs on CPUs).
    """
    if device_type not in (None, "cpu", "CPU"):
        raise ValueError(f"list_devices: striate runs on CPUs only; device_type must be None or 'cpu', got "
                         f"{device_type!r}")
    return [f"cpu:{rank}" for rank in range(_default_communicator().size)]


def initialize(job_addresses=None, num_processes=None, process_id=None):
    """Keras's multi-process start-up; under MPI the launcher has done it, so this only checks.

    Raises:
        ValueError: when ``num_processes`` or ``process_id`` disagree with what MPI says.
    """
    del job_addresses  # MPI's launcher knows the hosts
    comm = _default_communicator()
    if num_processes is not None and int(num_processes) != comm.size:
        raise ValueError(f"initialize: num_processes={num_processes}, but MPI started {comm.size} processes")
    if process_id is not None and int(process_id) != comm.rank:
        raise ValueError(f"initialize: process_id={process_id}, but this is MPI process {comm.rank}")


class DeviceMesh:
    """A 1-D mesh of devices (Keras's ``DeviceMesh``), one device per process.

    Args:
        shape: ``(K,)``.
        axis_names: ``['batch']`` or another single name.
        devices: the devices, default :func:`list_devices`.

    Raises:
        ValueError: for a mesh of more than one axis or a size that is not the number of processes.
    """

    def __init__(self, shape, axis_names, devices=None):
        shape, axis_names = tuple(int(n) for n in shape), list(axis_names)
        devices = list_devices() if devices is None else list(devices)
        if len(shape) != 1 or len(axis_names) != 1:
            raise ValueError(f"DeviceMesh: striate's DataParallel takes a 1-D mesh, got shape {shape} with "
                             f"axis names {axis_names}")
        if shape[0] != len(devices):
            raise ValueError(f"DeviceMesh: shape {shape} does not fit {len(devices)} devices")
        self.shape, self.axis_names, self.devices = shape, axis_names, devices


class DataParallel:
    """Data parallelism over MPI processes: each a shard of every batch, gradients averaged.

    Args:
        device_mesh: optional 1-D :class:`DeviceMesh` (not with ``devices``).
        devices: optional list of devices; must be all of :func:`list_devices` (one per process).
        auto_shard_dataset: True (default): every process is given the same data and takes its
            shard of each global batch (``batch_size`` is the global batch). False: each process
            was given its own data already; ``batch_size`` is then the batch of one process.
        timeout: seconds one collective may wait for the other processes before the job is
            aborted with a message (default 300, or ``STRIATE_DISTRIBUTION_TIMEOUT``; None: never).
        communicator: an ``mpi4py`` communicator (default: ``MPI.COMM_WORLD`` under an MPI
            launcher, one process otherwise), or any object with striate's communicator methods.

    Raises:
        ValueError: for both ``device_mesh`` and ``devices``, or devices that are not all processes.
    """

    batch_dim_name = "batch"

    def __init__(self, device_mesh=None, devices=None, auto_shard_dataset=True, timeout="default",
                 communicator=None):
        if device_mesh is not None and devices is not None:
            raise ValueError("DataParallel: pass device_mesh or devices, not both")
        if communicator is None:
            self.communicator = _default_communicator()
        elif hasattr(communicator, "Get_rank"):  # an mpi4py communicator
            self.communicator = MPICommunicator(communicator, timeout=_timeout_from_environment())
        else:
            self.communicator = communicator
        if timeout != "default":
            if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                        or not timeout > 0):
                raise ValueError(f"DataParallel: timeout must be a positive number of seconds or None, got "
                                 f"{timeout!r}")
            if isinstance(self.communicator, MPICommunicator):
                self.communicator.timeout = timeout
        everyone = [f"cpu:{rank}" for rank in range(self.communicator.size)]
        if device_mesh is not None:
            if not isinstance(device_mesh, DeviceMesh):
                raise TypeError(f"DataParallel: device_mesh must be a DeviceMesh, got {type(device_mesh).__name__}")
            devices = device_mesh.devices
            self.batch_dim_name = device_mesh.axis_names[0]
        if devices is not None and sorted(map(str, devices)) != everyone:
            raise ValueError(f"DataParallel: striate runs one replica per MPI process, so devices must be all of "
                             f"{everyone}; got {list(devices)}")
        self.device_mesh = device_mesh or DeviceMesh((len(everyone),), [self.batch_dim_name], everyone)
        self.auto_shard_dataset = bool(auto_shard_dataset)
        self.bucket = GradientBucket()
        self._step = None  # the step that runs now (striate.distribution.step)

    # ---- who we are ------------------------------------------------------------------
    @property
    def num_processes(self):
        """How many processes train together."""
        return self.communicator.size

    @property
    def data_shard_id(self):
        """This process's number (MPI rank); process 0 writes the files and prints."""
        return self.communicator.rank

    num_model_replicas = num_processes

    @contextlib.contextmanager
    def scope(self):
        """Inside the block this distribution is the global one (Keras's ``Distribution.scope``)."""
        previous = distribution()
        set_distribution(self)
        try:
            yield
        finally:
            set_distribution(previous)

    # ---- collectives used by the training loop ----------------------------------------
    def reduce_gradients(self, grads, variables=None):
        """The gradients averaged over the processes (see :func:`reduce_gradients`)."""
        grads = list(grads)
        if variables is not None:
            variables = list(variables)
            if len(variables) != len(grads):
                raise ValueError(f"reduce_gradients: got {len(grads)} gradients for {len(variables)} variables")
            shapes = [tuple(v.data.shape) for v in variables]
            dtypes = [v.data.dtype for v in variables]
        else:
            if any(g is None for g in grads):
                raise ValueError("reduce_gradients: a gradient is None; pass the variables too, so that every "
                                 "process keeps the same layout")
            grads = [xp.asarray(getattr(g, "data", g)) for g in grads]
            shapes, dtypes = [g.shape for g in grads], [g.dtype for g in grads]
        if self.communicator.size == 1 or not grads:
            return grads
        grads = [None if g is None else getattr(g, "data", g) for g in grads]
        dtype = xp.result_type(*dtypes) if dtypes else xp.float32
        step = self._step
        weight, state, base = 1.0, (), ()
        if step is not None:
            weight = step.count
            if not step.state_reduced:
                state, base = step.state, step.state_base
                step.state_reduced = True
        reduced = self.bucket.reduce(self.communicator, grads, shapes, dtype, weight, state, base)
        if variables is not None:
            for v, g, r in zip(variables, grads, reduced):
                if g is not None and v.grad is g:
                    v.grad = r  # what the optimizer applies is what GradientNormLogger and others see
        return reduced

    def any(self, flag):
        """True on every process when ``flag`` is true on any (EarlyStopping stops all processes together)."""
        if self.communicator.size == 1:
            return bool(flag)
        buffer = xp.array([1.0 if flag else 0.0])
        self.communicator.allreduce(buffer, op="max")
        return bool(buffer[0] > 0)

    def abort(self, message):
        """Print ``message`` (naming this process) and end every process of the job."""
        self.communicator.abort(f"striate.distribution: process {self.data_shard_id} of {self.num_processes}: "
                                f"{message}")

    def __repr__(self):
        return f"<DataParallel process {self.data_shard_id} of {self.num_processes}>"


def distribution():
    """The global distribution (None when training in one process as usual)."""
    return _DISTRIBUTION


def _abort_on_uncaught(kind, value, tb):
    """sys.excepthook under a distribution: an uncaught error in one process must not leave the others
    waiting in a collective for ever (mpi4py would otherwise wait in MPI_Finalize)."""
    dist = _DISTRIBUTION
    if dist is None or dist.num_processes == 1 or issubclass(kind, SystemExit):
        return sys.__excepthook__(kind, value, tb)
    text = "".join(traceback.format_exception(kind, value, tb))
    dist.abort(f"uncaught {kind.__name__}; aborting all processes.\n{text}")


def set_distribution(value):
    """Make ``value`` (a :class:`DataParallel`, or None) the global distribution.

    With more than one process, an exception that no code catches in any process
    then aborts the whole job (``MPI_Abort``) after printing its traceback.

    Raises:
        TypeError: for anything else.
    """
    global _DISTRIBUTION
    if value is not None and not isinstance(value, DataParallel):
        raise TypeError(f"set_distribution: expected a striate.distribution.DataParallel or None, got "
                        f"{type(value).__name__}")
    _DISTRIBUTION = value
    if value is not None and value.num_processes > 1:
        sys.excepthook = _abort_on_uncaught
    elif sys.excepthook is _abort_on_uncaught:
        sys.excepthook = sys.__excepthook__


def reduce_gradients(grads, variables=None):
    """Gradients averaged over the processes of the global distribution; ``grads`` itself without one.

    The one place where gradients meet MPI: ``Optimizer.apply`` calls it before its
    update rule, so custom ``train_step`` methods and compiled steps pass through it.
    Inside ``fit`` each process's gradients are weighted by its shard's number of
    samples, so the result is the gradient of the global batch's mean loss; outside
    ``fit`` every process weighs 1 (a plain average, as Horovod). All processes
    must call it with the same variables in the same order.

    Args:
        grads: arrays or None (a variable without gradient), one per variable.
        variables: the Variables (needed when a gradient may be None).

    Returns:
        A list of arrays (None where no process had a gradient); with more than one
        process these are views into a reused buffer, valid until the next call.

    >>> import numpy as np
    >>> reduce_gradients([np.ones(2)])[0].tolist()       # no distribution: unchanged
    [1.0, 1.0]
    """
    dist = _DISTRIBUTION
    if dist is None:
        return list(grads)
    return dist.reduce_gradients(grads, variables)
