"""Saving where it cannot succeed, or while something else goes wrong: a clear error, the previous
file intact, no temporary file left behind, the model unchanged (issue 11)."""

import contextlib
import errno
import multiprocessing
import os
import subprocess
import uuid

import numpy as np
import pytest

import striate
from striate.saving.errors import ModelPathError
from tests.saving.factories import data, same_weights, sequential, trained


def listing(folder):
    return sorted(os.listdir(folder))


@contextlib.contextmanager
def tiny_filesystem(tmp_path, size="64k", read_only=False):
    """A tmpfs of ``size`` mounted in ``tmp_path`` (root only; skips where mounting is refused)."""
    mount = tmp_path / f"mnt-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    options = f"size={size}" + (",ro" if read_only else "")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.decode().strip() or 'not root'})")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_keeps_the_previous_file(tmp_path):
    with tiny_filesystem(tmp_path, size="16k") as mount:
        small = striate.Sequential([striate.Input(shape=(2,)), striate.layers.Dense(1)])
        path = mount / "m.keras"
        small.save(path)
        before = path.read_bytes()
        big = striate.Sequential([striate.Input(shape=(100,)), striate.layers.Dense(200)])  # 80 KB of weights
        with pytest.raises(ModelPathError, match=r"cannot save the model file .*m\.keras.*No space left"):
            big.save(path)
        assert path.read_bytes() == before and listing(mount) == ["m.keras"]
        assert same_weights(striate.models.load_model(path), small)


def test_a_full_disk_during_fsync_keeps_the_previous_file(tmp_path, monkeypatch):
    # The same failure wherever tmpfs cannot be mounted: the OS reports ENOSPC at fsync.
    model, _, _ = trained("sequential")
    path = tmp_path / "m.keras"
    model.save(path)
    before = path.read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(ModelPathError, match="No space left on device") as caught:
        sequential().save(path)
    assert caught.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert path.read_bytes() == before and listing(tmp_path) == ["m.keras"]


def test_a_read_only_folder_is_a_clear_error(tmp_path):
    model, _, _ = trained("sequential")
    if os.geteuid() == 0:  # root ignores permission bits: use a read-only mount
        with tiny_filesystem(tmp_path, read_only=True) as mount:
            with pytest.raises(ModelPathError, match=r"cannot save the model file .*Read-only file system"):
                model.save(mount / "m.keras")
            assert listing(mount) == []
        return
    folder = tmp_path / "locked"
    folder.mkdir()
    model.save(folder / "m.keras")
    before = (folder / "m.keras").read_bytes()
    folder.chmod(0o555)
    try:
        with pytest.raises(ModelPathError, match="Permission denied"):
            sequential().save(folder / "m.keras")
    finally:
        folder.chmod(0o755)
    assert (folder / "m.keras").read_bytes() == before and listing(folder) == ["m.keras"]


def test_a_device_is_never_replaced(tmp_path):
    """A path that is (or links to) /dev/full: refused before anything is written."""
    model, _, _ = trained("sequential")
    link = tmp_path / "m.keras"
    link.symlink_to("/dev/full")
    with pytest.raises(ModelPathError, match=r"'/dev/full' is not a regular file"):
        model.save(link)
    assert link.is_symlink() and os.path.realpath(link) == "/dev/full" and listing(tmp_path) == ["m.keras"]
    assert not os.path.isfile("/dev/full")


def test_a_link_to_a_file_is_written_through(tmp_path):
    model, _, _ = trained("sequential")
    target = tmp_path / "run3.keras"
    model.save(target)
    link = tmp_path / "latest.keras"
    link.symlink_to(target.name)
    other = sequential()
    other.save(link)
    assert link.is_symlink() and same_weights(striate.models.load_model(target), other)


class FailingWrite(Exception):
    pass


@pytest.mark.parametrize("failure", [FailingWrite, KeyboardInterrupt])
def test_a_failure_while_the_checkpoint_is_written_keeps_the_previous_checkpoint(tmp_path, monkeypatch, failure):
    from striate.saving import model_io

    model = sequential()
    x, y = data("sequential")
    path = tmp_path / "ckpt.keras"
    saved, original = [], model_io.write_tensors

    def write_then_fail(file, tensors, metadata):
        if saved:  # the second checkpoint: half a file, then the failure
            file.write(b"\0" * 100)
            raise failure("disk controller on fire")
        original(file, tensors, metadata)
        saved.append(model.get_weights())

    monkeypatch.setattr(model_io, "write_tensors", write_then_fail)
    with pytest.raises(failure, match="on fire"):
        model.fit(x, y, epochs=3, batch_size=8, verbose=0,
                  callbacks=[striate.callbacks.ModelCheckpoint(str(path))])
    assert listing(tmp_path) == ["ckpt.keras"]
    restored = striate.models.load_model(path)
    assert all(np.array_equal(a, b) for a, b in zip(restored.get_weights(), saved[0]))


def test_a_callback_that_raises_after_the_checkpoint_leaves_a_complete_file(tmp_path):
    model = sequential()
    x, y = data("sequential")
    path = tmp_path / "ckpt.keras"

    class Broken(striate.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise RuntimeError("callback failed at epoch 2")

    with pytest.raises(RuntimeError, match="callback failed at epoch 2"):
        model.fit(x, y, epochs=4, batch_size=8, verbose=0,
                  callbacks=[striate.callbacks.ModelCheckpoint(str(path)), Broken()])
    assert listing(tmp_path) == ["ckpt.keras"]
    assert same_weights(striate.models.load_model(path), model)  # epoch 2's weights, complete


def _save_repeatedly(path, seed, times, queue):
    striate.utils.set_random_seed(seed)
    model = sequential()
    model.fit(*data("sequential", seed=seed), epochs=1, batch_size=8, verbose=0)
    queue.put((seed, [w.tobytes() for w in model.get_weights()]))
    for _ in range(times):
        model.save(path)


def test_two_processes_saving_to_the_same_path(tmp_path):
    """Each save is atomic, so the file is always one complete model of the two, and a reader
    opening it meanwhile never sees a partial file."""
    path = str(tmp_path / "shared.keras")
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    writers = [context.Process(target=_save_repeatedly, args=(path, seed, 15, queue)) for seed in (1, 2)]
    for w in writers:
        w.start()
    loads = 0
    while any(w.is_alive() for w in writers):
        if os.path.exists(path):
            striate.models.load_model(path)  # raises on a partial or mixed file
            loads += 1
    for w in writers:
        w.join(timeout=60)
        assert w.exitcode == 0
    expected = dict(queue.get(timeout=5) for _ in writers)
    final = [w.tobytes() for w in striate.models.load_model(path).get_weights()]
    assert final in expected.values()
    assert listing(tmp_path) == ["shared.keras"] and loads > 0
