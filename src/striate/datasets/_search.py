"""Where the loaders look for data files a user or a system package provides.

Order, first match wins:

1. an explicit ``path`` argument: that folder and its ``<subdir>/`` subfolder
   (and nothing else: an explicit path that lacks the files is an error, so a
   typo never silently loads another copy);
2. the ``STRIATE_DATA`` environment variable: that folder and its
   ``<subdir>/`` subfolder;
3. system folders, e.g. Debian's ``/usr/share/datasets/<subdir>/``;
4. Keras's cache, ``$KERAS_HOME/datasets/`` (default ``~/.keras/datasets/``),
   so files a Keras user already downloaded are found.

>>> from striate.datasets import _search
>>> _search.candidate_dirs("/data", "mnist")
['/data', '/data/mnist']
"""

import os

__all__ = ["ENV_VAR", "candidate_dirs", "find_file", "find_all", "not_found_message"]

ENV_VAR = "STRIATE_DATA"


def keras_datasets_dir():
    """Keras's download cache, where ``keras.datasets.*.load_data`` keeps files."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(home, "datasets")


def candidate_dirs(path, subdir, system_dirs=(), keras_subdir=None):
    """The folders to search, in order (see the module docstring)."""
    if path is not None:
        path = os.fspath(path)
        return [path, os.path.join(path, subdir)]
    dirs = []
    env = os.environ.get(ENV_VAR)
    if env:
        dirs += [env, os.path.join(env, subdir)]
    dirs += list(system_dirs)
    keras_dir = keras_datasets_dir()
    dirs.append(os.path.join(keras_dir, keras_subdir) if keras_subdir else keras_dir)
    return dirs


def find_file(folder, name):
    """``folder/name`` or ``folder/name.gz``, whichever exists, else None."""
    for candidate in (name, name + ".gz"):
        full = os.path.join(folder, candidate)
        if os.path.isfile(full):
            return full
    return None


def find_all(dirs, names, allow_gz=True):
    """The first folder of ``dirs`` that holds every one of ``names``.

    Returns:
        A list of full paths in the order of ``names``, or None.
    """
    for folder in dirs:
        if allow_gz:
            found = [find_file(folder, name) for name in names]
        else:
            found = [os.path.join(folder, n) if os.path.isfile(os.path.join(folder, n)) else None
                     for n in names]
        if all(found):
            return found
    return None


def not_found_message(what, dirs, how_to_install, files):
    """The text of a ``DatasetNotFoundError``: where we looked and what to do.

    ``files`` describes what a folder must hold, e.g. "the four IDX files (...)".
    """
    looked = "\n".join(f"  - {d}" for d in dirs)
    return (f"{what} not found (striate never downloads). Looked in:\n{looked}\n"
            f"{how_to_install}\nOr put {files} in a folder and pass it as path=..., or set the "
            f"{ENV_VAR} environment variable to that folder.")
