"""image_dataset_from_directory on small folders written to tmp_path."""

import os

import numpy as np
import pytest

pytest.importorskip("PIL")

import striate  # noqa: E402
from striate.utils import image_dataset_from_directory, save_img  # noqa: E402
from striate.utils.image import ImageFileError  # noqa: E402
from striate.utils.resampling import resize_array  # noqa: E402

RNG = np.random.default_rng(0)
CLASSES = ("cat", "dog", "owl")


def make_folder(root, per_class=4, sizes=((6, 8), (9, 5)), formats=("png", "bmp")):
    """Lossless images of two sizes per class, one nested subfolder, and files that must be ignored."""
    images = {}
    for c, name in enumerate(CLASSES):
        os.makedirs(root / name / "more")
        for i in range(per_class):
            h, w = sizes[i % len(sizes)]
            x = RNG.integers(0, 256, (h, w, 3)).astype(np.uint8)
            folder = root / name / ("more" if i == per_class - 1 else "")
            path = folder / f"{i}.{formats[i % len(formats)]}"
            save_img(path, x, scale=False)
            images[str(path)] = (x, c)
        (root / name / "readme.txt").write_text("not listed: no image extension")
    os.makedirs(root / ".hidden")
    save_img(root / ".hidden" / "x.png", np.zeros((4, 4, 3)), scale=False)
    return images


def all_batches(ds):
    xs, ys = zip(*list(ds))
    return np.concatenate(xs), np.concatenate(ys)


def test_inferred_labels_shapes_values_and_attributes(tmp_path):
    images = make_folder(tmp_path)
    ds = image_dataset_from_directory(tmp_path, image_size=(7, 6), batch_size=5, seed=3, verbose=False)
    assert ds.class_names == list(CLASSES) and len(ds) == 3 and len(ds.file_paths) == 12
    x, y = all_batches(ds)
    assert x.shape == (12, 7, 6, 3) and x.dtype == np.float32 and y.dtype == np.int32
    for k, path in enumerate(ds.file_paths):  # the first epoch follows file_paths
        original, label = images[path]
        assert y[k] == label
        np.testing.assert_allclose(x[k], resize_array(original, (7, 6)), rtol=1e-6, atol=1e-4)


def test_label_modes_color_modes_and_unbatched(tmp_path):
    make_folder(tmp_path)
    ds = image_dataset_from_directory(tmp_path, label_mode="categorical", image_size=4, batch_size=12, seed=1,
                                      color_mode="grayscale", verbose=False)
    x, y = next(iter(ds))
    assert x.shape == (12, 4, 4, 1) and y.shape == (12, 3) and y.dtype == np.float32
    np.testing.assert_array_equal(y.sum(1), 1.0)
    x = next(iter(image_dataset_from_directory(tmp_path, labels=None, image_size=4, color_mode="rgba",
                                               verbose=False)))
    assert x.shape == (13, 4, 4, 4)  # without class folders the whole tree counts, hidden ones too (Keras)
    two = image_dataset_from_directory(tmp_path, class_names=["owl", "cat"], label_mode="binary", image_size=4,
                                       shuffle=False, verbose=False)
    x, y = next(iter(two))
    assert two.class_names == ["owl", "cat"] and y.shape == (8, 1)
    np.testing.assert_array_equal(y[:, 0], [0] * 4 + [1] * 4)  # owl first: the order given
    single = image_dataset_from_directory(tmp_path, batch_size=None, image_size=4, verbose=False)
    x, y = next(iter(single))
    assert x.shape == (4, 4, 3) and y.shape == () and len(single) == 12


def test_explicit_labels_follow_the_sorted_paths(tmp_path):
    make_folder(tmp_path)
    labels = list(range(13))  # the whole tree, .hidden/x.png included, as Keras indexes it
    ds = image_dataset_from_directory(tmp_path, labels=labels, image_size=4, shuffle=False, verbose=False)
    assert ds.class_names == [str(i) for i in range(13)]
    assert ds.file_paths == sorted(ds.file_paths, key=lambda p: (os.path.dirname(p), os.path.basename(p)))
    _, y = next(iter(ds))
    np.testing.assert_array_equal(y, labels)
    with pytest.raises(ValueError, match="3 labels given for the 13"):
        image_dataset_from_directory(tmp_path, labels=[0, 1, 2], verbose=False)


def test_split_is_keras_split(tmp_path):
    """The same files as Keras's own index_directory and split for the same seed."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    dataset_utils = pytest.importorskip("keras.src.utils.dataset_utils")
    make_folder(tmp_path, per_class=5)
    train, val = image_dataset_from_directory(tmp_path, image_size=4, seed=42, validation_split=0.3, subset="both",
                                              verbose=False)
    paths, labels, _ = dataset_utils.index_directory(str(tmp_path), "inferred", (".bmp", ".gif", ".jpeg", ".jpg",
                                                                                 ".png"), shuffle=True, seed=42,
                                                     verbose=False)
    keras_train, _ = dataset_utils.get_training_or_validation_split(paths, labels, 0.3, "training")
    keras_val, keras_val_labels = dataset_utils.get_training_or_validation_split(paths, labels, 0.3, "validation")
    assert train.file_paths == keras_train and val.file_paths == keras_val
    np.testing.assert_array_equal(val.labels, keras_val_labels)
    assert len(val.file_paths) == 4 and not set(train.file_paths) & set(val.file_paths)
    alone = image_dataset_from_directory(tmp_path, image_size=4, seed=42, validation_split=0.3, subset="training",
                                         verbose=False)
    assert alone.file_paths == train.file_paths


def test_epochs_reshuffle_reproducibly_and_validation_keeps_order(tmp_path):
    make_folder(tmp_path)
    def orders(seed):
        ds = image_dataset_from_directory(tmp_path, image_size=4, batch_size=12, seed=seed, verbose=False)
        return [next(iter(ds))[1].tolist() for _ in range(1)] + [y.tolist() for _, y in ds] + \
               [y.tolist() for _, y in ds]
    a, b = orders(5), orders(5)
    assert a == b and a[1] != a[2]  # the same per seed; a new order each epoch
    _, val = image_dataset_from_directory(tmp_path, image_size=4, seed=5, validation_split=0.5, subset="both",
                                          verbose=False)
    assert [y.tolist() for _, y in val] == [y.tolist() for _, y in val]


def test_bad_arguments(tmp_path):
    make_folder(tmp_path)
    cases = [
        (dict(validation_split=0.2, subset="training"), "pass a seed"),
        (dict(label_mode="binary"), "exactly 2 classes"),
        (dict(subset="training"), "go together"),
        (dict(label_mode="sparse"), "label_mode"),
        (dict(image_size=(0, 4)), "image_size"),
        (dict(interpolation="lanczos3"), "not implemented"),
        (dict(class_names=["cat", "emu"]), "emu"),
        (dict(crop_to_aspect_ratio=True, pad_to_aspect_ratio=True), "only one"),
        (dict(on_bad_file="ignore"), "on_bad_file"),
    ]
    for kwargs, match in cases:
        with pytest.raises(ValueError, match=match):
            image_dataset_from_directory(tmp_path, verbose=False, **kwargs)
    with pytest.raises(ValueError, match="not a directory"):
        image_dataset_from_directory(tmp_path / "nowhere", verbose=False)
    os.makedirs(tmp_path / "empty" / "a")
    with pytest.raises(ValueError, match="no  ?images"):
        image_dataset_from_directory(tmp_path / "empty", verbose=False)


def test_corrupt_files_raise_or_are_skipped(tmp_path):
    make_folder(tmp_path)
    (tmp_path / "dog" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    ds = image_dataset_from_directory(tmp_path, image_size=4, batch_size=13, seed=0, verbose=False)
    with pytest.raises(ImageFileError, match="broken.png"):
        list(ds)
    ds = image_dataset_from_directory(tmp_path, image_size=4, batch_size=13, seed=0, verbose=False,
                                      on_bad_file="skip")
    with pytest.warns(UserWarning, match="skipping .*broken.png"):
        x, y = next(iter(ds))
    assert len(x) == len(y) == 12
    assert [str(p) for p in ds.bad_files] == [str(tmp_path / "dog" / "broken.png")]


@pytest.mark.parametrize("image_size", [(6, 8), (7, 7)])   # kept as read (uint8), resized (float32)
def test_cache_decodes_each_file_once_and_changes_nothing_else(tmp_path, image_size):
    make_folder(tmp_path, sizes=((6, 8),))
    kwargs = dict(image_size=image_size, batch_size=5, seed=3, verbose=False)
    plain = image_dataset_from_directory(tmp_path, **kwargs)
    cached = image_dataset_from_directory(tmp_path, **kwargs).cache()
    first = [all_batches(ds) for ds in (plain, cached)]
    for path in cached.file_paths:   # later epochs must not read the files again
        os.remove(path)
    second = all_batches(cached)
    with pytest.raises(ImageFileError):
        all_batches(plain)
    np.testing.assert_array_equal(first[0][0], first[1][0])
    np.testing.assert_array_equal(first[0][1], first[1][1])
    # a new order in epoch 2 (shuffle), the same images and labels
    assert not np.array_equal(second[1], first[1][1])
    key = lambda x, y: sorted(zip(y.tolist(), x.reshape(len(x), -1).sum(1).tolist()))  # noqa: E731
    assert key(*second) == key(*first[1])
    assert second[0].dtype == np.float32 and cached.cache() is cached


def test_fit_evaluate_predict_and_adapt_take_the_dataset(tmp_path):
    make_folder(tmp_path)
    train, val = image_dataset_from_directory(tmp_path, image_size=(8, 8), batch_size=4, seed=0,
                                              validation_split=0.25, subset="both", verbose=False)
    norm = striate.layers.Normalization()
    norm.adapt(train)
    x_all = np.concatenate([x for x, _ in train])
    np.testing.assert_allclose(norm.adapt_mean.data, x_all.reshape(-1, 3).mean(0), rtol=1e-5)
    model = striate.Sequential([striate.Input((8, 8, 3)), norm, striate.layers.RandomFlip(seed=0),
                                striate.layers.Conv2D(4, 3, activation="relu"), striate.layers.Flatten(),
                                striate.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(train, validation_data=val, epochs=2, verbose=0)
    assert len(history.history["val_loss"]) == 2 and np.isfinite(history.history["loss"]).all()
    assert model.predict(val, verbose=0).shape == (3, 3)
    loss, accuracy = model.evaluate(val, verbose=0)
    assert np.isfinite(loss) and 0 <= accuracy <= 1
