"""Every notebook in examples/notebooks/ runs from top to bottom, quickly, from stripped sources.

Each notebook is executed in a fresh Jupyter kernel on this interpreter with
``STRIATE_QUICK=1`` (the notebooks' small setting) and a time limit per cell, so a
change anywhere in striate that breaks a notebook fails here. The notebooks must
also match their sources in ``examples/notebooks/sources/`` and carry no outputs.
"""

import importlib.util
import json
import os
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "examples" / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))
CELL_TIMEOUT = 150  # seconds per cell; the slowest quick cell takes about 30 s on 2 busy cores
NOTEBOOK_LIMIT = 240  # seconds per notebook; each takes 10-60 s in quick mode


def _builder():
    spec = importlib.util.spec_from_file_location("build_notebooks", FOLDER / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_lecture_notebooks_are_all_there():
    assert {p.stem for p in NOTEBOOKS} >= {"synthetic", "mnist", "convolutions", "transfer_learning"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stripped_and_matches_its_source(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: outputs not stripped"
    builder = _builder()
    source = builder.SOURCES / f"{path.stem}.py"
    assert source.exists(), f"{path.name} has no source {source}"
    assert path.read_text(encoding="utf-8") == builder.render(source), (
        f"{path.name} differs from {source.name}: run python examples/notebooks/build_notebooks.py")


@pytest.fixture
def python3_kernel(tmp_path, monkeypatch):
    """A 'python3' kernel that is this interpreter with this checkout's striate.

    The kernelspec sits first on JUPYTER_PATH, so a user's own 'python3' kernel
    (perhaps another Python) cannot be picked instead.
    """
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (striate tests)", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", os.pathsep.join([str(tmp_path / "jupyter"), os.environ.get("JUPYTER_PATH", "")]))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("STRIATE_QUICK", "1")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", os.environ.get("OPENBLAS_NUM_THREADS", "1"))
    return "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, python3_kernel, tmp_path):
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name=python3_kernel,
                                     resources={"metadata": {"path": str(tmp_path)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    assert seconds < NOTEBOOK_LIMIT, f"{path.name} took {seconds:.0f} s in quick mode"
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert images, f"{path.name} drew no figure"


def test_the_kernel_is_this_interpreter_with_this_checkout(python3_kernel, tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os, sys, striate\nprint(sys.executable)\nprint(os.path.dirname(striate.__file__))")])
    nbclient.NotebookClient(nb, timeout=60, kernel_name=python3_kernel,
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    executable, package = nb.cells[0].outputs[0]["text"].split()
    assert Path(executable).resolve() == Path(sys.executable).resolve()
    assert Path(package).resolve() == (ROOT / "src" / "striate").resolve()
