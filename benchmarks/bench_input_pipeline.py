"""What reading images from disk and augmenting them costs fit, beside the same data in memory.

Network (d) of BENCHMARKS.md (``striate.applications.cifar_cnn``, 32x32x3, batch
64, Adam) trains one epoch per call, three ways, alternated chunk by chunk in one
process (the order rotated each round, as ``timing.alternate`` does):

- ``memory``: ``fit`` on float32 arrays already in memory (the reference);
- ``folder``: ``fit`` on ``image_dataset_from_directory`` over PNG files of the same
  images: decoded by Pillow in a background thread while the model trains;
- ``folder + augmentation``: the same, with RandomFlip, RandomTranslation,
  RandomRotation and RandomZoom in front of the network (in the training thread);
- ``folder + augmentation in workers``: the same four layers applied by
  ``dataset.map`` in the decoding thread (keras.io's other placement), so that they
  run while the model trains.
- ``cached folder + augmentation``: ``folder + augmentation`` over a data set
  made with ``.cache()`` (keras.io's ``train_ds.cache()``): the warm-up epoch
  decodes, the timed epochs only batch and augment.

The images are random noise, the worst case for PNG decoding. The figure that
matters is the slowdown of ``folder + augmentation`` over ``memory`` (goal: under
10 %). Each epoch is timed by the wall clock and by the process's CPU time (all
threads): the wall clock shows what the user waits for (decoding overlaps with
training), the CPU time what the pipeline costs in all (an upper bound for the
slowdown on a machine with no core to spare, and steadier than the wall clock
when other programs share the cores). The load average is printed first: on a
shared machine, quote it with the figures.

    python benchmarks/bench_input_pipeline.py            # 640 images, 7 rounds (~1.5 minutes on 2 cores)
    python benchmarks/bench_input_pipeline.py --quick    # a smoke run
"""

import argparse
import os
import statistics
import time
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import striate  # noqa: E402
from striate import layers as L  # noqa: E402


def write_folder(root, n, classes, size, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (n, size, size, 3)).astype(np.uint8)
    y = np.arange(n) % classes
    for c in range(classes):
        os.makedirs(root / f"class_{c}", exist_ok=True)
    for i in range(n):
        striate.utils.save_img(root / f"class_{y[i]}" / f"{i:05d}.png", x[i], scale=False)
    return x, y


def augmentation():
    return [L.RandomFlip("horizontal"), L.RandomTranslation(0.1, 0.1), L.RandomRotation(0.05), L.RandomZoom(0.1)]


def make_model(augment, size, classes):
    layers = [striate.Input((size, size, 3)), L.Rescaling(1 / 255)]
    if augment:
        layers += augmentation()
    model = striate.Sequential(layers + striate.applications.cifar_cnn((size, size, 3), classes).layers)
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def time_rotating(contenders, chunks, pause=0.5):
    """Wall and CPU seconds of each contender's calls, one call per chunk, the order rotated
    every chunk (A B C, B C A, C A B ...) so that no contender always follows the same one."""
    names = list(contenders)
    for name in names:
        contenders[name]()  # warm-up: first calls build and allocate
    wall = {name: [] for name in names}
    cpu = {name: [] for name in names}
    for chunk in range(chunks):
        for name in names[chunk % len(names):] + names[:chunk % len(names)]:
            time.sleep(pause)  # the other side's threads go to sleep first (see timing.py)
            w0, c0 = time.perf_counter(), time.process_time()
            contenders[name]()
            wall[name].append(time.perf_counter() - w0)
            cpu[name].append(time.process_time() - c0)
    return wall, cpu


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=640)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--chunks", type=int, default=7)
    parser.add_argument("--workers", type=int, default=1, help="decoding threads of the data set")
    parser.add_argument("--quick", action="store_true", help="64 images, 1 round: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.images, args.chunks = 64, 1
    size, classes = 32, 10
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(f"load average (1, 5, 15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"cores: {len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()}")
    root = Path(tempfile.mkdtemp(prefix="striate-bench-images-"))
    try:
        striate.utils.set_random_seed(0)
        x_uint8, _ = write_folder(root, args.images, classes, size)
        ds = striate.utils.image_dataset_from_directory(root, image_size=(size, size), batch_size=args.batch,
                                                        seed=0, verbose=False, workers=args.workers)
        # the in-memory copy holds the same images in the same order as the folder's first epoch
        order = {str(root / f"class_{i % classes}" / f"{i:05d}.png"): i for i in range(args.images)}
        index = np.array([order[p] for p in ds.file_paths])
        x, y = x_uint8[index].astype(np.float32), ds.labels
        plain, plain_folder, augmented, mapped_model = (make_model(False, size, classes),
                                                        make_model(False, size, classes),
                                                        make_model(True, size, classes),
                                                        make_model(False, size, classes))
        cached_ds = striate.utils.image_dataset_from_directory(root, image_size=(size, size), batch_size=args.batch,
                                                               seed=0, verbose=False, workers=args.workers).cache()
        cached_model = make_model(True, size, classes)
        augment = striate.Sequential([striate.Input((size, size, 3)), *augmentation()])
        mapped = ds.map(lambda images, labels: (augment(images, training=True), labels))
        contenders = {
            "memory": lambda: plain.fit(x, y, batch_size=args.batch, epochs=1, verbose=0),
            "folder": lambda: plain_folder.fit(ds, epochs=1, verbose=0),
            "folder + augmentation": lambda: augmented.fit(ds, epochs=1, verbose=0),
            "folder + aug. in workers": lambda: mapped_model.fit(mapped, epochs=1, verbose=0),
            "cached folder + aug.": lambda: cached_model.fit(cached_ds, epochs=1, verbose=0),
        }
        wall, cpu = time_rotating(contenders, args.chunks)
        print(f"network (d) cifar_cnn, {args.images} images of {size}x{size}x3, batch {args.batch}, "
              f"{args.workers} decoding thread(s), median of {args.chunks} epochs each:")
        print(f"  {'':<24} {'wall s/epoch':>12} {'slowdown':>9} {'spread':>7}   {'CPU s/epoch':>11} {'slowdown':>9}")
        base_wall, base_cpu = statistics.median(wall["memory"]), statistics.median(cpu["memory"])
        for name in contenders:
            w, c = statistics.median(wall[name]), statistics.median(cpu[name])
            spread = (max(wall[name]) - min(wall[name])) / w
            print(f"  {name:<24} {w:12.3f} {100 * (w / base_wall - 1):+8.1f}% {100 * spread:6.0f}%   "
                  f"{c:11.3f} {100 * (c / base_cpu - 1):+8.1f}%")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
