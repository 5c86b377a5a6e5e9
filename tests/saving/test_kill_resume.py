"""Training survives SIGKILL: a killed ``fit`` started again resumes and ends bit-identical.

Each run is a real process (``train_script.py``) killed with SIGKILL, the one
signal that nothing can catch or clean up after: mid-epoch, in the middle of
writing a backup, in the middle of writing a ModelCheckpoint file, and at
random moments chosen by the parent.
"""

import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import striate
from striate.saving.format import read_tensors
from tests.saving.tally import TALLY

SCRIPT = os.path.join(os.path.dirname(__file__), "train_script.py")
EPOCHS = 6
pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")


def _env(**extra):
    src = os.path.join(os.path.dirname(__file__), "..", "..", "src")
    env = dict(os.environ, PYTHONPATH=os.path.abspath(src), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1")
    env.update(extra)
    return env


def _run(workdir, kill="none", **env):
    return subprocess.run([sys.executable, SCRIPT, str(workdir), str(EPOCHS), kill], env=_env(**env),
                          capture_output=True, text=True, timeout=120)


def _final_weights(workdir):
    _, tensors = read_tensors(os.path.join(workdir, "final.weights.safetensors"))
    return tensors


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The final weights of an uninterrupted run (and a second one: runs are deterministic)."""
    first, second = tmp_path_factory.mktemp("ref1"), tmp_path_factory.mktemp("ref2")
    for workdir in (first, second):
        result = _run(workdir)
        assert result.returncode == 0, result.stderr
    a, b = _final_weights(first), _final_weights(second)
    assert list(a) == list(b) and all(np.array_equal(a[k], b[k]) for k in a)
    assert not os.path.exists(os.path.join(first, "backup")), "the backup is deleted after a normal end"
    return a


def _assert_same(weights, reference):
    assert list(weights) == list(reference)
    for key in reference:
        assert weights[key].tobytes() == reference[key].tobytes(), key


def _checkpoint_loads(workdir):
    path = os.path.join(workdir, "last.keras")
    if os.path.exists(path):
        striate.models.load_model(path)  # intact whenever it exists: never half-written


def _killed(result):
    assert result.returncode == -signal.SIGKILL, (result.returncode, result.stdout, result.stderr)
    TALLY["kills survived"] += 1


def test_deterministic_processes(reference):
    """Same seed, data and code in two processes: bit-identical weights (checked in the fixture)."""
    assert len(reference) == 6


@pytest.mark.parametrize("kills", [
    ["batch:0:1"],                                   # before the first backup exists
    ["batch:2:3", "batch:4:0"],                      # mid-epoch, twice
    ["backup:2", "backup:1"],                        # half-written backups, twice in a row
    ["checkpoint:3", "batch:5:2"],                   # half-written ModelCheckpoint file
])
def test_resume_after_sigkill_is_bit_identical(tmp_path, reference, kills):
    for kill in kills:
        _killed(_run(tmp_path, kill))
        leftovers = [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
        _checkpoint_loads(tmp_path)
        assert all(n.startswith(".last.keras.") for n in leftovers)
    result = _run(tmp_path)
    assert result.returncode == 0, result.stderr
    _assert_same(_final_weights(tmp_path), reference)


def test_resume_after_random_sigkills(tmp_path, reference):
    """The parent kills the process at random moments until one run finishes."""
    rng = random.Random(5)
    for attempt in range(10):
        process = subprocess.Popen([sys.executable, SCRIPT, str(tmp_path), str(EPOCHS)], env=_env(SLOW="0.02"),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        process.stdout.readline()  # "training": the imports are done
        time.sleep(rng.uniform(0.02, 0.25))  # a full run trains for about 0.6 s: several kills land
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        out, err = process.communicate(timeout=120)
        if process.returncode == 0:
            break
        _killed(process)
        _checkpoint_loads(tmp_path)
    else:
        result = _run(tmp_path)
        assert result.returncode == 0, result.stderr
    _assert_same(_final_weights(tmp_path), reference)
