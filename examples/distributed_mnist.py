"""Data-parallel training over MPI: the same script on one process or on K.

    python examples/distributed_mnist.py                          # one process
    mpirun -n 2 python examples/distributed_mnist.py              # two processes (add --oversubscribe
                                                                  #  beyond the cores; as root also
                                                                  #  --allow-run-as-root, Open MPI)

A LeNet-5 on the 5,000-digit MNIST subset (``striate.datasets.load_mnist_split``:
4,000 training and 1,000 test images). The model code is ordinary Keras code;
the one line that makes it data-parallel is ``set_distribution(DataParallel())``.
``batch_size`` is the global batch: with two processes each trains on 32 of every
64 samples, the gradients are averaged, and the weights, the logs and the test
accuracy are those of one process (up to float32 rounding). Process 0 alone
prints and writes the checkpoint; a killed run started again resumes from the
backup in ``--out``.

Needs ``pip install 'striate[mpi]'`` and an MPI for more than one process
(docs/distributed.md); one process needs neither.
"""

import argparse
import os
import time

import striate
from striate import datasets, distribution


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64, help="the global batch, over all processes")
    parser.add_argument("--out", default="out/distributed_mnist")
    args = parser.parse_args()

    distribution.set_distribution(distribution.DataParallel())   # the one added line
    dist = distribution.distribution()
    chief = dist.data_shard_id == 0

    striate.utils.set_random_seed(0)   # the same seed everywhere (process 0's weights are broadcast anyway)
    (xtr, ytr), (xts, yts) = datasets.load_mnist_split()
    xtr, xts = xtr[..., None] / 255.0, xts[..., None] / 255.0     # (N, 28, 28, 1) in [0, 1]

    model = striate.applications.lenet5()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    callbacks = [striate.callbacks.BackupAndRestore(os.path.join(args.out, "backup")),
                 striate.callbacks.ModelCheckpoint(os.path.join(args.out, "lenet5.keras"))]
    start = time.perf_counter()
    model.fit(xtr, ytr, batch_size=args.batch_size, epochs=args.epochs, validation_data=(xts, yts),
              callbacks=callbacks, verbose=2 if chief else 0)
    seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate(xts, yts, verbose=0)          # sharded too, reduced over processes
    if chief:
        print(f"{dist.num_processes} process(es): test accuracy {accuracy:.4f}, loss {loss:.4f}, "
              f"{args.epochs * len(xtr) / seconds:,.0f} training samples/s")


if __name__ == "__main__":
    main()
