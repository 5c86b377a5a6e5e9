"""The pieces of data parallelism that need no MPI: sharding, the gradient bucket, the random rows,
the one-process distribution, which callbacks run where, and the metric reduction.

A group of threads stands in for K processes (``ThreadGroup``): each thread has a
communicator whose ``allreduce`` adds the buffers of all threads in place, as
``MPI_Allreduce(SUM)`` does.
"""

import threading

import numpy as np
import pytest

import striate
from striate import random
from striate.callbacks.data_parallel_sync import DataParallelSync, for_this_process
from striate.distribution import DataParallel, distribution, list_devices, reduce_gradients, set_distribution
from striate.distribution import data_parallel, step
from striate.distribution.buckets import GradientBucket
from striate.distribution.sharding import batch_length, shard_bounds, take

EPS32 = float(np.finfo(np.float32).eps)


class ThreadGroup:
    """``size`` communicators for ``size`` threads; allreduce sums every thread's buffer into all of them."""

    def __init__(self, size):
        self.size, self.buffers = size, [None] * size
        self.barrier = threading.Barrier(size)

    def member(self, rank):
        group = self

        class Member:
            def __init__(self):
                self.rank, self.size = rank, group.size

            def allreduce(self, buffer, op="sum"):
                group.buffers[rank] = buffer.copy()
                group.barrier.wait()
                reduce = np.sum if op == "sum" else np.max
                buffer[...] = reduce(np.stack(group.buffers), axis=0)
                group.barrier.wait()
                return buffer
        return Member()

    def run(self, function):
        """``function(comm)`` in each of ``size`` threads; the results in rank order."""
        results, errors = [None] * self.size, []

        def target(rank):
            try:
                results[rank] = function(self.member(rank))
            except BaseException as error:  # noqa: B902
                errors.append(error)
                self.barrier.abort()
        threads = [threading.Thread(target=target, args=(r,)) for r in range(self.size)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        if errors:
            raise errors[0]
        return results


# ---- sharding -----------------------------------------------------------------------------
@pytest.mark.parametrize("n", [0, 1, 2, 3, 7, 64, 67])
@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_shards_are_disjoint_cover_the_batch_in_order_and_differ_by_at_most_one(n, size):
    bounds = [shard_bounds(n, rank, size) for rank in range(size)]
    assert bounds[0][0] == 0 and bounds[-1][1] == n
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
    lengths = [stop - start for start, stop in bounds]
    assert max(lengths) - min(lengths) <= 1 and lengths == sorted(lengths, reverse=True)


def test_take_and_batch_length_follow_the_nesting_of_keras_data():
    x = [np.arange(6).reshape(6, 1), np.zeros((6, 2))]
    data = (x, {"out": np.arange(6)}, np.ones(6))
    part = take(data, slice(1, 3))
    assert batch_length(data) == 6 and batch_length(part) == 2
    assert isinstance(part, tuple) and isinstance(part[0], list) and part[1]["out"].tolist() == [1, 2]
    with pytest.raises(ValueError, match="same number of samples"):
        batch_length((np.zeros(3), np.zeros(4)))


# ---- the bucket ------------------------------------------------------------------------------
def test_bucket_gives_the_size_weighted_mean_on_every_process():
    rng = np.random.default_rng(0)
    shapes = [(3, 4), (4,), (2, 2, 2)]
    counts = [5, 4, 0]                       # the last process holds a stand-in shard
    grads = [[rng.normal(size=s).astype(np.float32) for s in shapes] for _ in counts]
    grads[2][0][0, 0] = np.nan               # a stand-in's gradient never reaches the others
    want = [sum(c * g[i].astype(np.float64) for c, g in zip(counts, grads) if c) / sum(counts) for i in range(3)]

    def work(comm):
        return [g.copy() for g in GradientBucket().reduce(comm, grads[comm.rank], shapes, np.float32,
                                                          counts[comm.rank])]
    for result in ThreadGroup(3).run(work):
        for got, expected in zip(result, want):
            assert got.dtype == np.float32 and got.shape == expected.shape
            np.testing.assert_allclose(got, expected, rtol=4 * EPS32, atol=4 * EPS32)


def test_bucket_none_gradients_and_moving_statistics():
    shapes = [(2,), (2,), (3,)]

    def work(comm):
        grads = [np.ones(2, np.float32), None, np.full(3, comm.rank, np.float32) if comm.rank else None]
        base = [np.array([1.0, 2.0], np.float32), np.array([0.1, 0.2, 0.3], np.float32)]
        state = [base[0] + comm.rank, base[1].copy()]     # the second statistic is unchanged
        out = GradientBucket().reduce(comm, grads, shapes, np.float32, 1 + comm.rank, state, base)
        return out[1], out[2].copy(), state, base
    for none, partial, state, base in ThreadGroup(2).run(work):
        assert none is None                                # None on every process stays None
        np.testing.assert_allclose(partial, 2 / 3)         # None on one process counts as zeros there
        np.testing.assert_allclose(state[0], base[0] + 2 / 3, rtol=2 * EPS32)
        assert np.array_equal(state[1], base[1])           # no change: exactly the old value, no drift


def test_bucket_reuses_its_buffer_counts_bytes_and_refuses_zero_total_weight():
    class Alone:
        size = 1

        def allreduce(self, buffer, op="sum"):
            return buffer
    bucket = GradientBucket()
    first = bucket.reduce(Alone(), [np.ones((2, 3), np.float32)], [(2, 3)], np.float32)
    second = bucket.reduce(Alone(), [np.ones((2, 3), np.float32)], [(2, 3)], np.float32)
    assert np.shares_memory(first[0], second[0]) and bucket.nbytes == 4 * (1 + 1 + 6) and bucket.reductions == 2
    with pytest.raises(ValueError, match="weights add up to 0"):
        bucket.reduce(Alone(), [np.ones(2)], [(2,)], np.float32, weight=0)


# ---- random rows of the global batch -----------------------------------------------------------
def test_draw_batch_gives_the_rows_of_the_global_draw_and_advances_the_generator_alike():
    full = np.random.default_rng(5)
    want = full.random((7, 3))
    for start, stop in [(0, 3), (3, 5), (5, 7)]:
        rng = np.random.default_rng(5)
        with random.batch_shard(7, start, stop):
            got = random.draw_batch(rng.random, (stop - start, 3))
            other = random.draw_batch(rng.random, (4, 3))   # not batch-shaped: drawn as asked
        assert np.array_equal(got, want[start:stop]) and other.shape == (4, 3)
    rng, reference = np.random.default_rng(5), np.random.default_rng(5)
    with random.batch_shard(7, 3, 5):
        random.draw_batch(rng.random, (2, 3))
    reference.random((7, 3))
    assert rng.bit_generator.state == reference.bit_generator.state   # as if the whole batch was drawn
    assert random.draw_batch(np.random.default_rng(5).random, (7, 3)).tolist() == want.tolist()


@pytest.mark.parametrize("layer", [striate.layers.Dropout(0.5), striate.layers.GaussianNoise(1.0),
                                   striate.layers.GaussianDropout(0.3), striate.layers.SpatialDropout2D(0.5)])
def test_noise_layers_draw_the_global_batch_rows(layer):
    x = np.ones((6, 2, 2, 3), np.float32)
    random.set_random_seed(3)
    whole = layer(x, training=True).data
    for start, stop in [(0, 2), (2, 4), (4, 6)]:
        random.set_random_seed(3)
        with random.batch_shard(6, start, stop):
            part = layer(x[start:stop], training=True).data
        np.testing.assert_array_equal(part, whole[start:stop])


# ---- the distribution of one process -------------------------------------------------------------
def test_one_process_distribution_changes_nothing():
    x, y = np.random.default_rng(0).normal(size=(20, 3)).astype("float32"), np.arange(20) % 2

    def train():
        striate.backend.clear_session()
        striate.utils.set_random_seed(0)
        model = striate.Sequential([striate.Input(shape=(3,)), striate.layers.Dense(4, activation="relu"),
                                    striate.layers.Dropout(0.5), striate.layers.Dense(2, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(x, y, batch_size=6, epochs=2, verbose=0)
        return model.get_weights(), history.history
    plain = train()
    with DataParallel().scope():
        assert distribution().num_processes == 1
        distributed = train()
    assert distribution() is None
    # One process is documented to be the same computation, call for call: bit-identical.
    assert all(np.array_equal(a, b) for a, b in zip(plain[0], distributed[0])) and plain[1] == distributed[1]


def test_api_checks():
    assert list_devices() == list_devices("cpu") == ["cpu:0"]
    with pytest.raises(ValueError, match="CPUs only"):
        list_devices("gpu")
    with pytest.raises(ValueError, match="all of"):
        DataParallel(devices=["cpu:1"])
    with pytest.raises(ValueError, match="not both"):
        DataParallel(device_mesh=striate.distribution.DeviceMesh((1,), ["batch"]), devices=["cpu:0"])
    with pytest.raises(TypeError, match="DataParallel or None"):
        set_distribution("data_parallel")
    with pytest.raises(ValueError, match="timeout"):
        DataParallel(timeout=-1)
    with pytest.raises(ValueError, match="timeout"):
        DataParallel(timeout=True)
    with pytest.raises(ValueError, match="pass the variables"):
        DataParallel().reduce_gradients([None])
    assert reduce_gradients([np.ones(2)])[0].tolist() == [1.0, 1.0]
    striate.distribution.initialize(num_processes=1, process_id=0)
    with pytest.raises(ValueError, match="started 1"):
        striate.distribution.initialize(num_processes=2)


class FakeComm:
    """Process ``rank`` of 2, where the other process's contribution to every allreduce is given."""

    def __init__(self, rank, other=None):
        self.rank, self.size, self.other, self.seen = rank, 2, other, []

    def allreduce(self, buffer, op="sum"):
        self.seen.append(buffer.copy())
        if self.other is not None:
            buffer += self.other(buffer)
        return buffer

    def abort(self, message, code=1):
        raise AssertionError(message)


@pytest.fixture
def fake_distribution():
    def make(rank, other=None):
        dist = DataParallel(communicator=FakeComm(rank, other))
        data_parallel._DISTRIBUTION = dist      # without set_distribution's excepthook
        return dist
    yield make
    data_parallel._DISTRIBUTION = None


def test_callbacks_rank_zero_only_on_process_zero_and_the_sync_last(fake_distribution):
    callbacks = [striate.callbacks.EarlyStopping(), striate.callbacks.ProgbarLogger(),
                 striate.callbacks.CSVLogger("x.csv"), striate.callbacks.History()]
    fake_distribution(1)
    kept = for_this_process(callbacks, "fit")
    assert [type(c).__name__ for c in kept] == ["EarlyStopping", "History", "DataParallelSync"]
    assert [type(c).__name__ for c in for_this_process(callbacks, "evaluate")] == ["EarlyStopping", "History"]
    fake_distribution(0)
    kept = for_this_process(callbacks, "fit")
    assert kept[:-1] == callbacks and isinstance(kept[-1], DataParallelSync)
    # stop_training is agreed on per batch only when a callback run everywhere may set it per batch
    assert not kept[-1].per_batch
    assert for_this_process([striate.callbacks.TerminateOnNaN()], "fit")[-1].per_batch


def test_a_step_shards_and_reduces_metrics_over_the_processes(fake_distribution):
    """Process 1 of 2 on a global batch of 5 trains on rows 3..4; the other process's metric updates
    (here: 3 samples, all correct, loss 2.0 each) come in through the allreduce."""
    striate.utils.set_random_seed(0)
    model = striate.Sequential([striate.Input(shape=(2,)), striate.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = np.arange(10, dtype=np.float32).reshape(5, 2), np.array([0, 1, 0, 1, 1])
    model.evaluate(x, y, verbose=0)  # builds the metrics
    seen_batches = []

    def other(buffer):
        if buffer.dtype == np.float32:         # the gradient bucket: the other process sends zeros, weight 3
            add = np.zeros_like(buffer)
            add[0] = 3
            return add
        add = np.zeros_like(buffer)            # metric deltas: loss Mean (total, count), accuracy (total, count)
        add[:4] = [2.0 * 3, 3, 3, 3]
        return add
    dist = fake_distribution(1, other)
    model._distribution_synced = dist   # as if fit had broadcast process 0's state
    train_step = model.train_step
    model.train_step = lambda data: seen_batches.append(data[0].copy()) or train_step(data)
    model.reset_metrics()
    logs = model.make_train_function(force=True)((x, y))
    assert seen_batches[0].tolist() == x[3:].tolist()
    ours_loss = dist.communicator.seen[-1][0]                       # what this process's shard added
    assert dist.communicator.seen[-1][1] == 2                       # 2 samples
    assert logs["loss"] == pytest.approx((ours_loss + 6.0) / 5)      # the global batch's mean loss
    assert model.get_metrics_result()["loss"] == logs["loss"]        # the metrics hold the global state
    assert 3 / 5 <= logs["accuracy"] <= 1.0
    assert dist.communicator.seen[0][0] == 2                         # gradient weight: this shard's size


def test_moving_statistics_are_the_non_trainable_floats_of_trainable_layers():
    model = striate.Sequential([striate.Input(shape=(4,)), striate.layers.BatchNormalization(),
                                striate.layers.BatchNormalization()])
    model.layers[1].trainable = False
    stats = step.moving_statistics(model)
    assert len(stats) == 2 and all(s is v.data for s, v in zip(stats, model.layers[0].non_trainable_weights))


def test_without_auto_sharding_each_process_trains_on_all_it_was_given(fake_distribution):
    striate.utils.set_random_seed(0)
    model = striate.Sequential([striate.Input(shape=(2,)), striate.layers.Dense(1)])
    model.compile("sgd", "mse")
    dist = fake_distribution(0)
    dist.auto_shard_dataset = False
    model._distribution_synced = dist
    seen = []
    train_step = model.train_step
    model.train_step = lambda data: seen.append(len(data[0])) or train_step(data)
    model.make_train_function(force=True)((np.ones((5, 2), np.float32), np.ones((5, 1), np.float32)))
    assert seen == [5] and dist.communicator.seen[0][0] == 5      # the whole batch, weight 5


def test_processes_with_different_models_all_raise_the_same_error():
    from striate.distribution.sync import check_same_everywhere
    model = striate.Sequential([striate.Input(shape=(2,)), striate.layers.Dense(1)])
    model.compile("sgd", "mse")

    class Gather:
        rank, size = 0, 2

        def allgather(self, obj):
            other = dict(obj, **{"batches per epoch": 7})
            return [obj, other]
    with pytest.raises(ValueError, match=r"process 1 differs from process 0 in its batches per epoch"):
        check_same_everywhere(Gather(), model, steps=6)
