"""Preprocessing layers inside compiled steps (striate.jit): recorded as one primitive each
(striate.autograd.augment), so a replayed plan draws a new transformation for every batch,
the same one eager draws from the same generator state."""

import numpy as np
import pytest

import striate
from striate import layers as L
from striate.jit import CompiledStep
from striate.tensor import Tensor

RNG = np.random.default_rng(0)
X = RNG.uniform(0, 255, (8, 10, 12, 3)).astype("float32")
Y = RNG.standard_normal((8, 2)).astype("float32")


def _step_of(function):
    """The CompiledStep behind a step function (unwrapping the Ctrl-C guard), or None."""
    while not isinstance(function, CompiledStep) and hasattr(function, "__wrapped__"):
        function = function.__wrapped__
    return function if isinstance(function, CompiledStep) else None


def _augmentation(seed=None):
    s = (lambda k: None) if seed is None else (lambda k: seed + k)
    return [L.Rescaling(1 / 255), L.RandomFlip(seed=s(0)), L.RandomTranslation(0.2, 0.1, seed=s(1)),
            L.RandomRotation(0.1, seed=s(2)), L.RandomZoom(0.2, seed=s(3)), L.RandomContrast(0.3, value_range=(0, 1), seed=s(4)),
            L.RandomBrightness(0.1, value_range=(0, 1), seed=s(5)), L.RandomGrayscale(0.5, seed=s(6)),
            L.RandomCrop(8, 9, seed=s(7)), L.Resizing(6, 6), L.CenterCrop(5, 5)]


def _model(jit, seed=None, lr=0.0, augment=True):
    """Augmentation, then a small network; weights from striate's global seed."""
    striate.utils.set_random_seed(0)
    head = [L.Conv2D(2, 3, activation="relu"), L.Flatten(), L.Dense(2)]
    # without augmentation: what the layers do at inference (RandomCrop: the centred window of its
    # aspect ratio, resized)
    body = _augmentation(seed) if augment else [L.Rescaling(1 / 255), L.Resizing(8, 9, crop_to_aspect_ratio=True),
                                                L.Resizing(6, 6), L.CenterCrop(5, 5)]
    model = striate.Sequential([striate.Input(X.shape[1:]), *body, *head])
    model.compile(optimizer=striate.optimizers.SGD(lr), loss="mse", jit_compile=jit)
    return model


def test_a_model_with_augmentation_replays_its_plan():
    model = _model(True)  # jit_compile=True: refusing to compile would raise
    losses = [model.train_on_batch(X, Y) for _ in range(6)]
    step = _step_of(model.train_function)
    assert step.fallback_reason is None
    assert (step.traces, step.replays) == (1, 5)
    assert len(set(losses)) == len(losses)  # a frozen draw would repeat the loss (SGD(0): the weights stay)
    (entry,) = step.entries.values()
    ops = [type(fn).__name__ for fn in entry.plan._fns]
    assert ops[:11] == ["Rescale"] + ["Augment"] * 10  # one op per layer: their insides are not recorded


@pytest.mark.parametrize("seeded", [False, True])
def test_compiled_and_eager_draw_the_same_sequence(seeded):
    """Bit-equal: the replay runs the same forward code on the same arrays from the same generator
    state (the plan's check on its second batch puts the generators back), and the network behind
    it replays the eager arithmetic exactly."""
    compiled, eager = _model(True, seed=3 if seeded else None, lr=0.05), _model(False, seed=3 if seeded else None, lr=0.05)
    striate.utils.set_random_seed(11)
    a = [compiled.train_on_batch(X, Y) for _ in range(5)]
    striate.utils.set_random_seed(11)
    b = [eager.train_on_batch(X, Y) for _ in range(5)]
    assert _step_of(compiled.train_function).replays == 4
    np.testing.assert_array_equal(a, b)
    for u, v in zip(compiled.get_weights(), eager.get_weights()):
        np.testing.assert_array_equal(u, v)


def test_fit_with_augmentation_compiles_and_equals_eager():
    compiled, eager = _model("auto", lr=0.05), _model(False, lr=0.05)
    x, y = np.concatenate([X] * 4), np.concatenate([Y] * 4)
    striate.utils.set_random_seed(5)
    h1 = compiled.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False).history["loss"]
    striate.utils.set_random_seed(5)
    h2 = eager.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False).history["loss"]
    assert _step_of(compiled.train_function).replays == 7
    np.testing.assert_array_equal(h1, h2)


def test_predict_and_evaluate_leave_the_random_layers_out_and_compile():
    augmented, plain = _model("auto"), _model("auto", augment=False)
    plain.set_weights(augmented.get_weights())
    for _ in range(3):
        np.testing.assert_array_equal(augmented.predict(X, batch_size=4, verbose=0),
                                      plain.predict(X, batch_size=4, verbose=0))
    assert augmented.evaluate(X, Y, batch_size=4, verbose=0) == plain.evaluate(X, Y, batch_size=4, verbose=0)
    assert _step_of(augmented.make_predict_function()).replays > 0
    assert _step_of(augmented.make_test_function()).replays > 0


def test_a_layer_on_the_trainable_path_passes_its_gradient_back():
    """Augmentation after a trainable layer: the plan's backward goes through Augment.backward."""
    def make(jit):
        striate.utils.set_random_seed(0)
        model = striate.Sequential([striate.Input((6, 7, 3)), L.Conv2D(3, 1), L.RandomFlip(seed=1),
                                    L.RandomRotation(0.1, seed=2), L.RandomCrop(4, 5, seed=3), L.Flatten(), L.Dense(2)])
        model.compile(optimizer=striate.optimizers.SGD(0.1), loss="mse", jit_compile=jit)
        return model
    x, y = X[:, :6, :7] / 255, Y
    compiled, eager = make(True), make(False)
    for _ in range(4):
        np.testing.assert_array_equal(compiled.train_on_batch(x, y), eager.train_on_batch(x, y))
    assert _step_of(compiled.train_function).replays == 3
    for u, v in zip(compiled.get_weights(), eager.get_weights()):
        np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("make", [
    lambda: L.RandomFlip(), lambda: L.RandomFlip("vertical"), lambda: L.RandomRotation(0.2, fill_mode="wrap"),
    lambda: L.RandomTranslation(0.2, 0.3, fill_mode="constant", fill_value=0.5), lambda: L.RandomZoom(0.3),
    lambda: L.RandomContrast(0.2, value_range=(-10, 10)), lambda: L.RandomBrightness(0.1, value_range=(-10, 10)),
    lambda: L.RandomGrayscale(0.5), lambda: L.RandomCrop(3, 4), lambda: L.CenterCrop(3, 4), lambda: L.Resizing(3, 8),
])
def test_the_primitive_has_the_exact_gradient(make):
    """Finite differences through the layer's call (one Augment op), its draw fixed by a scoped generator."""
    x = RNG.uniform(0.2, 0.8, (3, 5, 6, 3))
    with striate.backend.floatx_scope("float64"):
        layer = make()

        def augment(t):
            with striate.random.scoped_generator(np.random.default_rng(4)):
                return layer(t, training=True)
        assert striate.gradcheck(augment, x)


def test_rescaling_per_channel_compiles():
    model = striate.Sequential([striate.Input((2, 2, 3)), L.Rescaling([1.0, 2.0, 3.0], offset=[0.0, 1.0, -1.0]),
                                L.Flatten(), L.Dense(1)])
    model.compile("sgd", "mse", jit_compile=True)
    x = RNG.standard_normal((4, 2, 2, 3)).astype("float32")
    for _ in range(3):
        model.train_on_batch(x, np.zeros((4, 1), "float32"))
    assert _step_of(model.train_function).replays == 2
    np.testing.assert_array_equal(L.Rescaling([1.0, 2.0, 3.0], offset=[0.0, 1.0, -1.0])(Tensor(x)).data,
                                  x * np.float32([1, 2, 3]) + np.float32([0, 1, -1]))


@pytest.mark.parametrize("adapted", [True, False])
def test_normalization_compiles_and_reads_its_statistics_at_every_replay(adapted):
    x = RNG.standard_normal((4, 3, 3, 2)).astype("float32") * 3 + 1
    norm = L.Normalization() if adapted else L.Normalization(mean=[1.0, -1.0], variance=[4.0, 0.25])
    if adapted:
        norm.adapt(x)
    model = striate.Sequential([striate.Input((3, 3, 2)), norm, L.Flatten(), L.Dense(1)])
    model.compile("sgd", "mse", jit_compile=True)
    eager = model.predict(x, verbose=0)
    for _ in range(3):
        np.testing.assert_array_equal(model.predict_on_batch(x), eager)
    assert _step_of(model.predict_function).replays == 3  # predict traced, then replays
    if adapted:  # a new adapt changes the Variables in place: the plan sees it without retracing
        norm.adapt(x * 2)
        np.testing.assert_allclose(model.predict_on_batch(x), model(x).data, rtol=1e-6)
    for _ in range(3):
        model.train_on_batch(x, np.zeros((4, 1), "float32"))
    assert _step_of(model.train_function).replays == 2


def test_a_transformation_without_a_gradient_says_which_layer_needs_one():
    class Opaque(L.RandomFlip):  # computes outside the ops: no graph back to its input
        def transform_images(self, images, transformation, training=True):
            return Tensor(images.data[:, ::-1].copy())

    model = striate.Sequential([striate.Input((4, 4, 3)), L.Conv2D(2, 1), Opaque(name="opaque"), L.Flatten(),
                                L.Dense(1)])
    out = model(RNG.standard_normal((2, 4, 4, 3)).astype("float32"), training=True).sum()
    with pytest.raises(NotImplementedError, match="Opaque 'opaque'.*transform_images"):
        out.backward()
