"""Data-parallel training over MPI processes and machines, in Keras 3's vocabulary.

``mpirun -n K python train.py`` with one added line::

    striate.distribution.set_distribution(striate.distribution.DataParallel())

See ``docs/distributed.md``.
"""

from striate.distribution.data_parallel import (DataParallel, DeviceMesh, distribution, initialize, list_devices,
                                                reduce_gradients, set_distribution)
from striate.distribution.sharding import shard_bounds
from striate.distribution.step import distributed_step

__all__ = ["DataParallel", "DeviceMesh", "distribution", "set_distribution", "list_devices", "initialize",
           "reduce_gradients", "shard_bounds", "distributed_step"]
