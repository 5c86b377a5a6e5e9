"""Compiled steps (striate.jit) against eager steps: same results, retraced when they must be,
eager where compiling would be unsafe."""

import numpy as np
import pytest

import striate
from striate import layers as L
from striate.jit import CompiledStep
from striate.models.steps import Steps

RTOL, ATOL = 2e-4, 2e-5  # float32: a few ulps per op over a few dozen ops and steps


def _step_of(function):
    """The CompiledStep behind a train function (unwrapping the Ctrl-C guard), or None."""
    while not isinstance(function, CompiledStep) and hasattr(function, "__wrapped__"):
        function = function.__wrapped__  # the Ctrl-C guard, the data-parallel wrapper
    return function if isinstance(function, CompiledStep) else None


def _net(net):
    """The reference networks of BENCHMARKS.md (small sizes are enough here)."""
    if net == "a":
        return [L.Input((20,)), L.Dense(16, activation="sigmoid"), L.Dense(5, activation="softmax")], (20,)
    if net == "b":
        return [L.Input((16, 16, 1)), L.Conv2D(4, 5, strides=2, padding="same", activation="tanh"),
                L.Conv2D(4, 5, strides=2, padding="same", activation="tanh"), L.Flatten(),
                L.Dense(8, activation="tanh"), L.Dense(5, activation="softmax")], (16, 16, 1)
    if net == "c":
        return [L.Input((12, 12, 1)), L.Conv2D(3, 5, padding="same", activation="relu"), L.MaxPooling2D(2),
                L.Conv2D(4, 3, activation="relu"), L.MaxPooling2D(2), L.Flatten(), L.Dense(8, activation="relu"),
                L.Dense(5, activation="softmax")], (12, 12, 1)
    if net == "d":
        return [L.Input((10, 10, 3)), L.Conv2D(4, 3, padding="same", activation="relu"),
                L.Conv2D(4, 3, activation="relu"), L.MaxPooling2D(2), L.Flatten(),
                L.Dense(8, activation="relu"), L.Dropout(0.5), L.Dense(5, activation="softmax")], (10, 10, 3)
    raise ValueError(net)


def _resnet():
    inputs = L.Input((8, 8, 3))

    def conv_bn(x):
        return L.BatchNormalization(momentum=0.9, epsilon=1e-5)(L.Conv2D(4, 3, padding="same", use_bias=False)(x))

    x = L.Activation("relu")(conv_bn(inputs))
    h = conv_bn(L.Activation("relu")(conv_bn(x)))
    x = L.Activation("relu")(L.Add()([x, h]))
    outputs = L.Dense(5, activation="softmax")(L.GlobalAveragePooling2D()(x))
    return striate.Model(inputs, outputs), (8, 8, 3)


def _pair(net, optimizer, jit="auto", seed=0):
    """Two models with the same weights: compiled ('auto') and eager (jit_compile=False)."""
    models = []
    for mode in (jit, False):
        striate.random.set_random_seed(seed)
        if net == "e":
            model, shape = _resnet()
        else:
            stack, shape = _net(net)
            model = striate.Sequential(stack)
        model.compile(optimizer=optimizer(), loss="sparse_categorical_crossentropy", jit_compile=mode)
        models.append(model)
    models[1].set_weights(models[0].get_weights())
    return models, shape


def _batches(shape, sizes=(8, 8, 8, 8, 8), seed=1):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((n,) + shape).astype("float32"), rng.integers(0, 5, n)) for n in sizes]


OPTIMIZERS = {"a": lambda: striate.optimizers.SGD(0.1), "b": lambda: striate.optimizers.SGD(0.1),
              "c": lambda: striate.optimizers.Adam(1e-2), "d": lambda: striate.optimizers.Adam(1e-2),
              "e": lambda: striate.optimizers.SGD(0.1, momentum=0.9)}


def _assert_same_weights(a, b):
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("net", "abcde")
def test_training_equals_eager(net):
    (compiled, eager), shape = _pair(net, OPTIMIZERS[net])
    batches = _batches(shape)
    for seed_offset, (x, y) in enumerate(batches):
        striate.random.set_random_seed(100 + seed_offset)  # the same dropout masks on both sides
        lc = compiled.train_on_batch(x, y)
        striate.random.set_random_seed(100 + seed_offset)
        le = eager.train_on_batch(x, y)
        np.testing.assert_allclose(lc, le, rtol=RTOL, atol=ATOL)
        _assert_same_weights(compiled, eager)  # BN's moving statistics included
    step = _step_of(compiled.train_function)
    assert step is not None and step.traces == 1 and step.replays == len(batches) - 1  # all but the traced one
    assert _step_of(eager.train_function) is None


@pytest.mark.parametrize("net", "abcde")
def test_inference_and_evaluation_equal_eager(net):
    (compiled, eager), shape = _pair(net, OPTIMIZERS[net])
    x, y = _batches(shape, sizes=(30,))[0]
    for _ in range(3):  # trace, check, replay
        np.testing.assert_allclose(compiled.predict(x, batch_size=10, verbose=0),
                                   eager.predict(x, batch_size=10, verbose=0), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(compiled.evaluate(x, y, batch_size=10, verbose=0),
                               eager.evaluate(x, y, batch_size=10, verbose=0), rtol=RTOL, atol=ATOL)
    assert _step_of(compiled.predict_function).replays >= 1
    assert _step_of(compiled.test_function).replays >= 1


def test_fit_replays_one_plan_per_batch_size():
    (compiled, eager), shape = _pair("c", OPTIMIZERS["c"])
    x, y = _batches(shape, sizes=(70,))[0]
    hc = compiled.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    he = eager.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(hc.history["loss"], he.history["loss"], rtol=RTOL, atol=ATOL)
    _assert_same_weights(compiled, eager)
    step = _step_of(compiled.train_function)
    assert step.traces == 2  # batches of 16 and the last batch of 6: a new shape is a new trace
    assert len(step.entries) == 2


def test_trainable_change_retraces_and_freezes():
    (compiled, eager), shape = _pair("a", OPTIMIZERS["a"])
    batches = _batches(shape)
    for model in (compiled, eager):
        for x, y in batches[:3]:
            model.train_on_batch(x, y)
        model.layers[0].trainable = False
    frozen = compiled.layers[0].get_weights()
    for x, y in batches[3:]:
        np.testing.assert_allclose(compiled.train_on_batch(x, y), eager.train_on_batch(x, y), rtol=RTOL, atol=ATOL)
    for wa, wb in zip(frozen, compiled.layers[0].get_weights()):
        np.testing.assert_array_equal(wa, wb)
    _assert_same_weights(compiled, eager)
    assert _step_of(compiled.train_function).traces == 2


def test_new_compile_and_new_optimizer_are_used():
    (compiled, eager), shape = _pair("b", OPTIMIZERS["b"])
    batches = _batches(shape)
    for x, y in batches[:3]:
        compiled.train_on_batch(x, y)
        eager.train_on_batch(x, y)
    for model, jit in ((compiled, "auto"), (eager, False)):
        model.compile(optimizer=striate.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy", jit_compile=jit)
    for x, y in batches[3:]:
        compiled.train_on_batch(x, y)
        eager.train_on_batch(x, y)
    _assert_same_weights(compiled, eager)
    for model in (compiled, eager):  # an optimizer swapped without compile is used at once
        model.optimizer = striate.optimizers.SGD(0.5)
    for x, y in batches:
        compiled.train_on_batch(x, y)
        eager.train_on_batch(x, y)
    _assert_same_weights(compiled, eager)


def test_set_weights_is_seen_by_the_plan():
    (compiled, eager), shape = _pair("c", OPTIMIZERS["c"])
    x, y = _batches(shape, sizes=(8,))[0]
    initial = compiled.get_weights()
    for _ in range(4):
        compiled.train_on_batch(x, y)
        compiled.predict_on_batch(x)
    compiled.set_weights(initial)
    np.testing.assert_allclose(compiled.predict_on_batch(x), eager.predict_on_batch(x), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(compiled.train_on_batch(x, y), eager.train_on_batch(x, y), rtol=RTOL, atol=ATOL)


def test_dropout_and_noise_masks_are_redrawn_at_every_replay():
    model = striate.Sequential([L.Input((50,)), L.Dropout(0.5), L.GaussianNoise(0.3), L.GaussianDropout(0.3),
                                L.Dense(1, kernel_initializer="ones", use_bias=False)])
    model.compile(optimizer=striate.optimizers.SGD(0.0), loss="mse")
    x, y = np.ones((4, 50), "float32"), np.zeros((4, 1), "float32")
    losses = [model.train_on_batch(x, y) for _ in range(6)]
    assert _step_of(model.train_function).replays == 5
    assert len(set(losses)) == len(losses)  # a frozen mask would repeat the same loss
    # and the masks are those the eager step draws from the same state
    eager = striate.Sequential([L.Input((50,)), L.Dropout(0.5), L.GaussianNoise(0.3), L.GaussianDropout(0.3),
                                L.Dense(1, kernel_initializer="ones", use_bias=False)])
    eager.compile(optimizer=striate.optimizers.SGD(0.0), loss="mse", jit_compile=False)
    striate.random.set_random_seed(7)
    a = [model.train_on_batch(x, y) for _ in range(3)]
    striate.random.set_random_seed(7)
    b = [eager.train_on_batch(x, y) for _ in range(3)]
    np.testing.assert_allclose(a, b, rtol=RTOL)


def test_seeded_dropout_layer_keeps_its_own_generator():
    def make(jit):
        striate.random.set_random_seed(0)
        model = striate.Sequential([L.Input((40,)), L.Dropout(0.5, seed=3), L.Dense(1)])
        model.compile(optimizer="sgd", loss="mse", jit_compile=jit)
        return model
    x, y = np.ones((4, 40), "float32"), np.zeros((4, 1), "float32")
    compiled, eager = make("auto"), make(False)
    eager.set_weights(compiled.get_weights())
    for _ in range(5):
        np.testing.assert_allclose(compiled.train_on_batch(x, y), eager.train_on_batch(x, y), rtol=RTOL)


def test_a_failed_step_leaves_the_weights_unchanged():
    calls = {"n": 0}

    def flaky_mse(y_true, y_pred):
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("the loss failed")
        return ((y_pred - y_true) ** 2).mean(axis=-1)

    model = striate.Sequential([L.Input((3,)), L.Dense(4, activation="relu"), L.Dense(1)])
    model.compile(optimizer="adam", loss=flaky_mse)
    x, y = np.ones((5, 3), "float32"), np.zeros((5, 1), "float32")
    for _ in range(3):
        model.train_on_batch(x, y)
    assert _step_of(model.train_function).replays == 2  # the custom loss runs eagerly beside the plan
    before = model.get_weights()
    with pytest.raises(RuntimeError, match="the loss failed"):
        model.train_on_batch(x, y)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    model.train_on_batch(x, y)  # and the plan still works afterwards
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


class Doubler(L.Layer):
    def call(self, x):
        return x * 2.0


def test_custom_layers_and_activations_run_eagerly():
    model = striate.Sequential([L.Input((3,)), Doubler(), L.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 2), "float32")
    for _ in range(3):
        model.train_on_batch(x, y)
    step = _step_of(model.train_function)
    assert step.replays == 0 and "Doubler" in step.fallback_reason

    model = striate.Sequential([L.Input((3,)), L.Dense(2, activation=lambda t: t * 3.0)])
    model.compile(optimizer="sgd", loss="mse")
    model.train_on_batch(x, y)
    assert "custom activation" in _step_of(model.train_function).fallback_reason


def test_values_made_outside_the_primitives_are_refused():
    # leaky_relu builds its mask from x.data: a recording would freeze it.
    (compiled, eager) = [striate.Sequential([L.Input((6,)), L.Dense(4, activation="leaky_relu"), L.Dense(1)])
                         for _ in range(2)]
    compiled.compile(optimizer="sgd", loss="mse")
    eager.compile(optimizer="sgd", loss="mse", jit_compile=False)
    eager.set_weights(compiled.get_weights())
    rng = np.random.default_rng(0)
    for _ in range(4):
        x, y = rng.standard_normal((5, 6)).astype("float32"), rng.standard_normal((5, 1)).astype("float32")
        np.testing.assert_allclose(compiled.train_on_batch(x, y), eager.train_on_batch(x, y), rtol=RTOL, atol=ATOL)
    assert "Where" in _step_of(compiled.train_function).fallback_reason


def test_a_plan_that_differs_from_eager_is_dropped(monkeypatch):
    class MeanScale(L.Layer):  # pretends to be a reviewed built-in, but freezes a value of the data
        jit_traceable = True

        def call(self, x):
            return x * float(x.data.mean())

    MeanScale.__module__ = "striate.layers.fake"
    model = striate.Sequential([L.Input((3,)), MeanScale(), L.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(0)
    for _ in range(4):
        model.train_on_batch(rng.standard_normal((4, 3)).astype("float32"), np.zeros((4, 1), "float32"))
    step = _step_of(model.train_function)
    assert step.replays == 0 and "differed" in step.fallback_reason


def test_overridden_steps_and_eager_flags_are_respected():
    class Custom(striate.Model):
        def train_step(self, data):
            return Steps.train_step(self, data)

    inputs = L.Input((3,))
    model = Custom(inputs, L.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse")
    assert _step_of(model.make_train_function()) is None
    assert _step_of(model.make_predict_function()) is not None  # predict_step is not overridden

    for kwargs in ({"jit_compile": False}, {"run_eagerly": True}):
        model = striate.Sequential([L.Input((3,)), L.Dense(1)])
        model.compile(optimizer="sgd", loss="mse", **kwargs)
        assert _step_of(model.make_train_function()) is None
        assert _step_of(model.make_predict_function()) is None


def test_jit_compile_true_refuses_what_it_cannot_compile():
    model = striate.Sequential([L.Input((3,)), Doubler(), L.Dense(2)])
    model.compile(optimizer="sgd", loss="mse", jit_compile=True)
    with pytest.raises(ValueError, match="jit_compile=True.*Doubler"):
        model.train_on_batch(np.ones((2, 3), "float32"), np.zeros((2, 2), "float32"))
    with pytest.raises(ValueError, match="jit_compile must be"):
        model.compile(optimizer="sgd", loss="mse", jit_compile="always")


def test_regularizers_multiple_outputs_and_sample_weights_equal_eager():
    def make(jit):
        striate.random.set_random_seed(0)
        inputs = L.Input((6,))
        h = L.Dense(8, activation="relu", kernel_regularizer=striate.regularizers.L2(0.01))(inputs)
        a = L.Dense(3, activation="softmax", name="a")(h)
        b = L.Dense(1, name="b")(h)
        model = striate.Model(inputs, [a, b])
        model.compile(optimizer="adam", loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5],
                      metrics=[["accuracy"], ["mae"]], jit_compile=jit)
        return model
    compiled, eager = make("auto"), make(False)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 6)).astype("float32")
    ya, yb = rng.integers(0, 3, 40), rng.standard_normal((40, 1)).astype("float32")
    sw = rng.uniform(0.5, 2.0, 40).astype("float32")
    hc = compiled.fit(x, [ya, yb], sample_weight=sw, batch_size=10, epochs=2, shuffle=False, verbose=0)
    he = eager.fit(x, [ya, yb], sample_weight=sw, batch_size=10, epochs=2, shuffle=False, verbose=0)
    for key in he.history:
        np.testing.assert_allclose(hc.history[key], he.history[key], rtol=RTOL, atol=ATOL, err_msg=key)
    _assert_same_weights(compiled, eager)
    assert _step_of(compiled.train_function).replays > 0


def test_gradients_reach_the_optimizer_as_eager_ones():
    # Data parallelism averages gradients inside optimizer.apply (striate.distribution), so a
    # compiled step must hand it the same list an eager step does.
    seen = {}

    def make(jit):
        striate.random.set_random_seed(0)
        model = striate.Sequential([L.Input((3,)), L.Dense(4, activation="relu"), L.Dense(2)])
        model.compile(optimizer="sgd", loss="mse", jit_compile=jit)
        original = model.optimizer.apply

        def apply(grads, variables):
            seen.setdefault(jit, []).append([None if g is None else np.array(g) for g in grads])
            return original(grads, variables)

        model.optimizer.apply = apply
        return model
    compiled, eager = make("auto"), make(False)
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 2), "float32")
    for _ in range(4):
        compiled.train_on_batch(x, y)
        eager.train_on_batch(x, y)
    assert _step_of(compiled.train_function).replays == 3
    for a, b in zip(seen["auto"], seen[False]):
        for ga, gb in zip(a, b):
            np.testing.assert_allclose(ga, gb, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("loss,one_hot", [("sparse_categorical_crossentropy", False), ("categorical_crossentropy", True)])
def test_softmax_cross_entropy_computed_by_the_step_equals_eager(loss, one_hot):
    def make(jit):
        striate.random.set_random_seed(0)
        model = striate.Sequential([L.Input((6,)), L.Dense(8, activation="relu"), L.Dense(4, activation="softmax")])
        model.compile(optimizer="adam", loss=loss, metrics=["accuracy"], jit_compile=jit)
        return model
    compiled, eager = make("auto"), make(False)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 6)).astype("float32")
    labels = rng.integers(0, 4, 50)
    y = np.eye(4, dtype="float32")[labels] if one_hot else labels
    sw = rng.uniform(0.5, 2.0, 50).astype("float32")
    for kwargs in ({}, {"sample_weight": sw}):
        hc = compiled.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0, **kwargs)
        he = eager.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0, **kwargs)
        for key in he.history:
            np.testing.assert_allclose(hc.history[key], he.history[key], rtol=RTOL, atol=ATOL, err_msg=key)
        np.testing.assert_allclose(compiled.evaluate(x, y, verbose=0), eager.evaluate(x, y, verbose=0),
                                   rtol=RTOL, atol=ATOL)
        _assert_same_weights(compiled, eager)
    step = _step_of(compiled.train_function)
    assert all(e.fast is not None for e in step.entries.values())


def test_inference_plans_fold_batch_norm_into_convolutions():
    (compiled, eager), shape = _pair("e", OPTIMIZERS["e"])
    x, y = _batches(shape, sizes=(12,))[0]
    for _ in range(3):  # moving statistics change: the folded kernels follow them
        compiled.train_on_batch(x, y)
        eager.train_on_batch(x, y)
        np.testing.assert_allclose(compiled.predict_on_batch(x), eager.predict_on_batch(x), rtol=RTOL, atol=ATOL)
    plan = next(iter(_step_of(compiled.predict_function).entries.values())).plan
    kinds = [type(fn).__name__ for fn in plan._fns]
    assert "ChannelAffine" not in kinds and "AddReLU" in kinds
    assert kinds.count("ReLU") == 0  # all fused: into the convolutions or the residual adds
    compiled.set_weights([w * 1.1 for w in compiled.get_weights()])
    eager.set_weights(compiled.get_weights())
    np.testing.assert_allclose(compiled.predict_on_batch(x), eager.predict_on_batch(x), rtol=RTOL, atol=ATOL)


def test_training_plans_fuse_batch_norm_and_relu():
    (compiled, eager), shape = _pair("e", OPTIMIZERS["e"])
    for x, y in _batches(shape, sizes=(8, 8, 8, 8)):
        np.testing.assert_allclose(compiled.train_on_batch(x, y), eager.train_on_batch(x, y), rtol=RTOL, atol=ATOL)
    _assert_same_weights(compiled, eager)
    plan = next(iter(_step_of(compiled.train_function).entries.values())).plan
    fused = [step for step in plan._forward_steps if type(step[1]).__name__ == "BatchNorm" and step[3].get("relu")]
    assert len(fused) == 2  # relu(BN(conv)) twice in the small test ResNet; the residual ReLU stays


def test_ever_new_shapes_stop_being_traced(monkeypatch):
    from striate.jit import step as step_module
    monkeypatch.setattr(step_module, "MAX_SIGNATURES", 3)
    model = striate.Sequential([L.Input((4,)), L.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    for n in range(2, 8):
        model.train_on_batch(np.ones((n, 4), "float32"), np.zeros((n, 2), "float32"))
    step = _step_of(model.train_function)
    assert step.traces == 3 and len(step.entries) == 3
