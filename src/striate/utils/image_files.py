"""Finding image files in a folder tree and splitting them, by Keras's rules.

``index_directory`` lists the files whose extension is allowed: with
``labels="inferred"`` each non-hidden subfolder of ``directory`` is a class and is
searched recursively; otherwise the whole tree is one list. Roots and file
names are sorted, so the list does not depend on the file system's order. With
``shuffle`` the list (and its labels) is permuted once by
``numpy.random.RandomState(seed).shuffle``, which is what Keras does, so a seed
gives Keras's own split.

>>> split_files(list("abcdefghij"), None, 0.2, "validation", verbose=False)
(['i', 'j'], None)
"""

import os

import numpy as np

__all__ = ["index_directory", "split_files"]


def _walk(directory, follow_links, formats):
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links), key=lambda entry: entry[0]):
        for name in sorted(files):
            if name.lower().endswith(formats):
                yield os.path.join(root, name)


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None, follow_links=False):
    """The file paths, their integer labels (or None) and the class names.

    Raises:
        ValueError: for class names that are not subfolders, or a label list whose
            length differs from the number of files.
    """
    if labels == "inferred":
        subdirs = sorted(d for d in os.listdir(directory)
                         if os.path.isdir(os.path.join(directory, d)) and not d.startswith("."))
        if class_names is not None:
            missing = [c for c in class_names if c not in subdirs]
            if missing:
                raise ValueError(f"image_dataset_from_directory: class_names {missing} are not subfolders of "
                                 f"{directory!r}, which has {subdirs}")
            subdirs = list(class_names)
        paths, ids = [], []
        for label, subdir in enumerate(subdirs):
            found = list(_walk(os.path.join(directory, subdir), follow_links, formats))
            paths += found
            ids += [label] * len(found)
        ids = np.asarray(ids, dtype=np.int32)
        class_names = list(subdirs)
    else:
        paths = list(_walk(directory, follow_links, formats))
        if labels is None:
            ids, class_names = None, None
        else:
            if len(labels) != len(paths):
                raise ValueError(f"image_dataset_from_directory: {len(labels)} labels given for the {len(paths)} "
                                 f"image files found in {directory!r}")
            ids = np.asarray(labels)
            if ids.size and (ids.dtype.kind not in "iu" or ids.min() < 0):
                raise ValueError("image_dataset_from_directory: labels must be non-negative integers")
            ids = ids.astype(np.int32)
            class_names = [str(label) for label in sorted(set(ids.tolist()))]
    if shuffle:
        # Keras's permutation: the same RandomState shuffle of paths and labels.
        np.random.RandomState(seed).shuffle(paths)
        if ids is not None:
            np.random.RandomState(seed).shuffle(ids)
    return paths, ids, class_names


def split_files(paths, ids, validation_split, subset, verbose=True):
    """Keras's split: the last ``int(validation_split * n)`` files are the validation subset."""
    if not validation_split or subset is None:
        return paths, ids
    n_val = int(validation_split * len(paths))
    if subset == "training":
        if verbose:
            print(f"Using {len(paths) - n_val} files for training.")
        cut = len(paths) - n_val
        return paths[:cut], None if ids is None else ids[:cut]
    if verbose:
        print(f"Using {n_val} files for validation.")
    cut = len(paths) - n_val
    return paths[cut:], None if ids is None else ids[cut:]
