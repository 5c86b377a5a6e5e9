"""Process 0's training state, copied to every process when ``fit`` starts (and its generator each epoch).

When training begins (after the callbacks' ``on_train_begin``, so after
``BackupAndRestore`` restored a backup on process 0) every process checks that
all hold the same model (weights' shapes and dtypes, optimizer, batches per
epoch); then process 0 sends its weights (trainable and not), its optimizer's
state (slots, iterations), its learning rate, striate's global random generator
and the layers' own ones, and the epoch to resume from. Every process then starts
from the same state whatever it initialised or restored itself.

At the start of every epoch process 0's global generator is sent again, so that
all processes draw the same shuffling even if some of them drew other random
numbers in between (a callback of their own).
"""

from striate import random
from striate.backend import xp

__all__ = ["broadcast_training_state", "broadcast_generator", "check_same_everywhere"]


def _layer_generators(model):
    return [layer._rng for layer in model._flatten_layers()
            if isinstance(getattr(layer, "_rng", None), xp.random.Generator)]


def _signature(model, steps):
    optimizer = getattr(model, "optimizer", None)
    return {"weights": [(tuple(v.data.shape), str(v.data.dtype)) for v in model.weights],
            "optimizer": type(optimizer).__name__ if optimizer is not None else None,
            "seeded layers": len(_layer_generators(model)),
            "batches per epoch": steps}


def check_same_everywhere(comm, model, steps=None):
    """Raise the same ValueError on every process when the processes' models or data differ.

    Raises:
        ValueError: naming the first process that differs from process 0 and what differs.
    """
    signatures = comm.allgather(_signature(model, steps))
    for rank, signature in enumerate(signatures):
        if signature != signatures[0]:
            what = [key for key in signature if signature[key] != signatures[0][key]]
            raise ValueError(f"DataParallel: process {rank} differs from process 0 in its {', '.join(what)} "
                             f"({[signature[k] for k in what]} vs {[signatures[0][k] for k in what]}); every "
                             "process must build the same model and get data of the same length")


def broadcast_training_state(comm, model, steps=None):
    """Copy process 0's weights, optimizer state, learning rate, random state and resume epoch to all."""
    check_same_everywhere(comm, model, steps)
    optimizer = getattr(model, "optimizer", None)
    payload = None
    if comm.rank == 0:
        lr = getattr(optimizer, "_learning_rate", None)
        payload = {"weights": [v.data for v in model.weights],
                   "optimizer": optimizer.get_state(model.weights) if optimizer is not None else None,
                   "learning_rate": lr if isinstance(lr, float) else None,
                   "random": random.get_state(),
                   "layers": [g.bit_generator.state for g in _layer_generators(model)],
                   "resume_epoch": getattr(model, "_resume_epoch", None)}
    payload = comm.bcast(payload)
    if comm.rank == 0:
        return
    for v, array in zip(model.weights, payload["weights"]):
        v.data[...] = array
    if optimizer is not None:
        optimizer.set_state(payload["optimizer"], model.weights)
        if payload["learning_rate"] is not None and isinstance(optimizer._learning_rate, float):
            optimizer.learning_rate = payload["learning_rate"]
    random.set_state(payload["random"])
    for generator, state in zip(_layer_generators(model), payload["layers"]):
        generator.bit_generator.state = state
    model._resume_epoch = payload["resume_epoch"]


def broadcast_generator(comm):
    """Give every process process 0's global generator state (same shuffling everywhere)."""
    state = comm.bcast(random.get_state() if comm.rank == 0 else None)
    if comm.rank != 0:
        random.set_state(state)
