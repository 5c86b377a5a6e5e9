"""The host/device rule (DESIGN.md rule 3, docs/gpu.md): engine code reaches its array
module only through ``striate.backend``; only boundary modules import NumPy.

An engine module that imports NumPy would compute on the host behind a GPU backend's
back (and fail on CuPy arrays); a boundary module converts with ``backend.to_host`` /
``backend.to_device`` instead. Imports inside docstring examples (``>>> import numpy``)
are not code and do not count.
"""

import ast
import pathlib

import striate

SRC = pathlib.Path(striate.__file__).parent

# Host-side code: data files, model files, plots, printed explanations, helpers on user data.
# interop/ and wrappers/ hand arrays to and from other libraries (PyTorch, ONNX, scikit-learn);
# applications/imagenet.py prepares user images (preprocess_input) before they reach a model.
BOUNDARY = ("datasets/", "saving/", "utils/", "viz/", "interop/", "wrappers/", "explain.py", "backend.py",
            "applications/imagenet.py")


def _numpy_imports(path):
    """Line numbers of ``import numpy`` / ``from numpy ...`` statements (code, not docstrings)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name == "numpy" or a.name.startswith("numpy.")
                                                for a in node.names):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and (node.module == "numpy" or node.module.startswith("numpy.")):
            lines.append(node.lineno)
    return lines


def engine_modules():
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if not rel.startswith(BOUNDARY):
            yield rel, path


def test_engine_modules_import_numpy_only_through_the_backend():
    offenders = [f"{rel}:{line}" for rel, path in engine_modules() for line in _numpy_imports(path)]
    assert not offenders, ("engine modules import NumPy directly; use striate.backend.xp (device arrays) or "
                           f"striate.backend.host (host bookkeeping): {offenders}")


def test_the_rule_sees_imports_and_ignores_docstrings(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""\n>>> import numpy as np\n"""\nimport os\nimport numpy.linalg\n'
                      'def f():\n    from numpy import zeros\n')
    assert _numpy_imports(sample) == [5, 7]
    assert len(list(engine_modules())) > 80  # the walk finds the engine
