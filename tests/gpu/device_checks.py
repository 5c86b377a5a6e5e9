"""The checks that a device backend runs exactly what NumPy runs: shared by the fake-device
tests (``test_fake_device.py``) and the real-CuPy tests (``test_cupy_device.py``).

Each ``case_*`` function builds everything it needs from a fixed seed under the current
backend and returns host (NumPy) results only, so :func:`on` can run it once on NumPy
and once on the device and the two results can be compared. striate draws its random
numbers on the host, so both runs start from the same weights and the same dropout masks.
"""

import gc
import traceback

import numpy as np

import striate
from striate import backend

# float32 arithmetic in another order (whole-batch GEMMs on the device, chunked and
# threaded on the CPU): a few units in the last place per op, grown by training.
RTOL, ATOL = 2e-4, 2e-5


def on(name, case, *args):
    """``case(*args)`` with the backend ``name``; the backend before is restored.

    A failure is re-raised as an AssertionError carrying the formatted traceback, so that
    no frame keeps the case's weights alive past the switch back. The switch skips
    ``set_backend``'s live-weights check (``backend._switch``): other tests of the same
    session may keep models alive in module-scoped fixtures; a case only uses its own.
    """
    gc.collect()
    before = backend.name()
    backend._switch(name)
    error = result = None
    try:
        backend.clear_session()
        striate.utils.set_random_seed(1234)
        result = case(*args)
    except Exception:  # noqa: BLE001 - reported below, after the switch back
        error = traceback.format_exc()
    gc.collect()
    backend._switch(before)
    if error is not None:
        raise AssertionError(f"on the {name} backend:\n{error}")
    return result


def assert_close(a, b, rtol=RTOL, atol=ATOL, where=""):
    """Nested host results equal within float32 tolerances (and of the same structure)."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            assert_close(a[k], b[k], rtol, atol, f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_close(x, y, rtol, atol, f"{where}[{i}]")
    else:
        assert isinstance(a, (np.ndarray, float, int, np.generic)), f"{where}: {type(a)} is not a host value"
        assert isinstance(b, (np.ndarray, float, int, np.generic)), f"{where}: {type(b)} is not a host value"
        np.testing.assert_allclose(b, a, rtol=rtol, atol=atol, err_msg=where)


def _data(shape, seed=0, classes=None):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype("float32")
    if classes is None:
        return x
    return x, x.reshape(shape[0], -1)[:, :classes].argmax(axis=1)  # learnable labels


# ---- layers: forward, input gradient and weight gradients ------------------------------------
def layer_cases():
    """``(id, make_layer, input_shape)``: every layer family, conv geometries included."""
    L = striate.layers
    return [
        ("dense", lambda: L.Dense(5, activation="relu"), (6,)),
        ("conv1d_causal_dilated", lambda: L.Conv1D(3, 3, padding="causal", dilation_rate=2), (9, 2)),
        ("conv2d_same_relu", lambda: L.Conv2D(4, 3, padding="same", activation="relu"), (7, 6, 3)),
        ("conv2d_valid_strided", lambda: L.Conv2D(5, (3, 2), strides=2), (9, 8, 6)),
        ("conv2d_pointwise", lambda: L.Conv2D(4, 1), (5, 5, 3)),
        ("conv3d", lambda: L.Conv3D(2, 2, padding="same"), (4, 5, 3, 2)),
        ("maxpool2d", lambda: L.MaxPooling2D(2), (6, 6, 3)),
        ("maxpool2d_same_strided", lambda: L.MaxPooling2D(3, strides=2, padding="same"), (7, 7, 2)),
        ("avgpool1d_same", lambda: L.AveragePooling1D(3, strides=2, padding="same"), (9, 2)),
        ("global_max", lambda: L.GlobalMaxPooling2D(), (4, 4, 3)),
        ("global_avg", lambda: L.GlobalAveragePooling2D(), (4, 4, 3)),
        ("batchnorm_conv", lambda: L.BatchNormalization(), (4, 4, 3)),
        ("layernorm", lambda: L.LayerNormalization(), (4, 6)),
        ("dropout", lambda: L.Dropout(0.4), (12,)),
        ("spatial_dropout", lambda: L.SpatialDropout2D(0.5), (4, 4, 3)),
        ("gaussian_noise", lambda: L.GaussianNoise(0.3), (5,)),
        ("flatten", lambda: L.Flatten(), (3, 4, 2)),
        ("reshape", lambda: L.Reshape((4, 6)), (2, 12)),
        ("upsampling2d", lambda: L.UpSampling2D(2), (3, 3, 2)),
        ("zeropadding2d", lambda: L.ZeroPadding2D(1), (3, 3, 2)),
        ("activation_softmax", lambda: L.Activation("softmax"), (7,)),
    ]


def case_layer(make_layer, input_shape, training=True):
    """Output, input gradient and weight gradients of one layer on a batch of 3."""
    from striate.tensor import Tensor

    layer = make_layer()
    x = Tensor(_data((3,) + input_shape), requires_grad=True)
    y = layer(x, training=training)
    r = backend.to_device(_data(y.shape, seed=1))
    (y * r).sum().backward()
    out = {"y": y.numpy(), "dx": backend.to_host(x.grad)}
    for w in layer.trainable_weights:
        out[w.path] = backend.to_host(w.grad)
    for w in layer.weights:  # moving statistics after a training step
        out["value:" + w.path] = backend.to_host(w.data)
    return out


def case_gradcheck_conv():
    """float64 finite differences through the device conv passes (strided, padded)."""
    with backend.floatx_scope("float64"):
        layer = striate.layers.Conv2D(3, 3, strides=2, padding="same")
        x = _data((2, 5, 6, 2)).astype("float64")
        layer(x)
        return striate.gradcheck(lambda t: layer(t), x, params=list(layer.trainable_weights))


# ---- models: fit, evaluate, predict -------------------------------------------------------
def _dense_net():
    L = striate.layers
    return striate.Sequential([striate.Input((8,)), L.Dense(16, activation="relu"), L.Dropout(0.2),
                               L.Dense(3, activation="softmax")])


def _conv_net():
    L = striate.layers
    return striate.Sequential([
        striate.Input((8, 8, 3)),
        L.Conv2D(6, 3, padding="same", use_bias=False), L.BatchNormalization(), L.Activation("relu"),
        L.MaxPooling2D(2),
        L.Conv2D(8, 3, activation="relu"), L.Dropout(0.25),
        L.AveragePooling2D(1), L.GlobalAveragePooling2D(),
        L.Dense(3, activation="softmax"),
    ])


def case_fit(kind, optimizer="adam", loss="sparse_categorical_crossentropy", epochs=2, metrics=("accuracy",)):
    """History, final weights, evaluate and predict of a short training run."""
    if kind == "resnet":  # functional, residual Add, batch norm without bias: network (e) in small
        model = striate.applications.small_resnet(input_shape=(8, 8, 3), num_classes=3, filters=4, blocks=2)
    else:
        model = _dense_net() if kind == "dense" else _conv_net()
    shape = (48, 8) if kind == "dense" else (48, 8, 8, 3)
    x, y = _data(shape, classes=3)
    if loss in ("categorical_crossentropy", "mean_squared_error", "kl_divergence", "categorical_hinge",
                "squared_hinge", "hinge", "mean_absolute_error", "huber", "log_cosh", "poisson",
                "mean_squared_logarithmic_error", "mean_absolute_percentage_error", "cosine_similarity",
                "binary_crossentropy", "binary_focal_crossentropy", "categorical_focal_crossentropy"):
        y = np.eye(3, dtype="float32")[y]
    model.compile(optimizer=optimizer, loss=loss, metrics=list(metrics))
    history = model.fit(x, y, batch_size=16, epochs=epochs, shuffle=True, verbose=0, validation_split=0.25)
    evaluated = model.evaluate(x, y, batch_size=20, verbose=0, return_dict=True)
    predicted = model.predict(x, batch_size=20, verbose=0)
    assert isinstance(predicted, np.ndarray), type(predicted)
    weights = model.get_weights()
    assert all(isinstance(w, np.ndarray) for w in weights)
    return {"history": {k: [float(v) for v in vs] for k, vs in history.history.items()},
            "evaluate": {k: float(v) for k, v in evaluated.items()}, "predict": predicted, "weights": weights}


def case_save_load(path, kind="conv"):
    """Train briefly, save, load the file back: predictions and weights round-trip."""
    model = _conv_net() if kind == "conv" else _dense_net()
    shape = (16, 8, 8, 3) if kind == "conv" else (16, 8)
    x, y = _data(shape, classes=3)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    model.save(path)
    twin = striate.models.load_model(path)
    return {"predict": model.predict(x, verbose=0), "loaded": twin.predict(x, verbose=0),
            "weights": model.get_weights(), "loaded_weights": twin.get_weights(),
            "resumed": float(twin.train_on_batch(x, y))}


def case_load(path, x):
    return striate.models.load_model(path).predict(x, verbose=0)


# ---- losses, metrics, signal ----------------------------------------------------------------
LOSSES = ["mean_squared_error", "mean_absolute_error", "huber", "log_cosh", "binary_crossentropy",
          "categorical_crossentropy", "sparse_categorical_crossentropy", "kl_divergence", "hinge",
          "squared_hinge", "categorical_hinge"]
METRICS = ["accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
           "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "mean_absolute_error",
           "mean_squared_error", "RootMeanSquaredError", "Precision", "Recall", "AUC", "TruePositives",
           "FalsePositives", "TrueNegatives", "FalseNegatives"]
OPTIMIZERS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam"]


def _predictions(seed, rows, classes):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.05, 0.95, (rows, classes)).astype("float32")
    p /= p.sum(axis=1, keepdims=True)
    return p, np.eye(classes, dtype="float32")[rng.integers(0, classes, rows)]


def case_losses():
    """Every loss: value and gradient with respect to the predictions."""
    from striate import losses
    from striate.tensor import Tensor

    p, t = _predictions(3, 6, 4)
    out = {}
    for name in LOSSES:
        target = t.argmax(axis=1) if "sparse" in name else t
        pred = Tensor(p, requires_grad=True)
        value = losses.get(name)(backend.to_device(target), pred)
        value.backward()
        out[name] = [value.numpy(), backend.to_host(pred.grad)]
    return out


def case_metrics():
    """Every metric, accumulated over two batches (its running state lives on the device)."""
    from striate import metrics

    p, t = _predictions(4, 10, 3)
    out = {}
    for name in METRICS:
        metric = metrics.get(name)
        metric = metric() if isinstance(metric, type) else metric
        target = t.argmax(axis=1) if "sparse" in name else t
        for start in (0, 5):
            metric.update_state(backend.to_device(target[start:start + 5]), backend.to_device(p[start:start + 5]))
        out[name] = backend.to_host(metric.result())
    return out


def case_optimizer(name):
    """A few steps of one optimizer (with clipping and a schedule where it has them)."""
    kwargs = {"learning_rate": 0.05}
    if name == "SGD":
        kwargs.update(momentum=0.9, nesterov=True)
    optimizer = getattr(striate.optimizers, name)(clipnorm=1.0, **kwargs)
    return case_fit("dense", optimizer=optimizer, epochs=2)["weights"]


def case_signal():
    """The convolution toolkit on device arrays: every method ``correlate`` may pick, the filters."""
    from striate import signal

    rng = np.random.default_rng(5)
    d, h = backend.to_device, backend.to_host
    image = rng.standard_normal((20, 24)).astype("float32")
    rgb = rng.standard_normal((12, 14, 3))
    tone = np.sin(np.linspace(0, 60, 512))
    big = rng.standard_normal((31, 31)).astype("float32")
    out = {}
    rank1 = np.outer(big[0, :5], big[1, :7])  # separable, so every method applies
    for method in signal.METHODS:
        for mode in ("valid", "same", "full"):
            out[f"correlate/{method}/{mode}"] = h(signal.correlate(d(image), d(rank1), mode=mode, method=method))
    out["correlate_big_full"] = h(signal.correlate(d(image), d(big), mode="full"))
    large = rng.standard_normal((300, 260)).astype("float32")  # above the size where the CPU splits FFTs
    out["correlate_large_fft"] = h(signal.correlate(d(large), d(big), mode="same", method="fft"))
    out["correlate_strided"] = h(signal.correlate(d(image), d(big[:3, :3]), stride=2, dilation=2))
    out["convolve_1d_long"] = h(signal.convolve(d(tone), d(rng.standard_normal(300)), mode="same"))
    out["smooth_gaussian"] = h(signal.smooth(d(image), "gaussian", sigma=1.5))
    out["smooth_uniform_rgb"] = h(signal.smooth(d(rgb), "uniform", size=3, channel_axis=-1))
    out["sobel"] = [h(v) for v in signal.sobel(d(image))]
    out["edge_filter"] = h(signal.edge_filter(d(image), 30.0))
    out["gradient_magnitude"] = h(signal.gradient_magnitude(d(image)))
    out["match_template"] = h(signal.match_template(d(image), d(image[4:9, 6:12].copy())))
    out["tone_responses"] = h(signal.tone_responses(d(tone), 10.0, [1.0, 2.0], 64))
    out["spectrogram"] = [h(v) for v in signal.spectrogram(d(tone), fs=10.0, nperseg=64)]
    out["line_feature"] = h(signal.line_feature(d(image), length=5))
    return out


def case_callbacks(directory):
    """fit with every callback that touches arrays or files; history and final weights."""
    cb = striate.callbacks
    model = _dense_net()
    x, y = _data((48, 8), classes=3)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    grad_norm = cb.GradientNormLogger()
    history = model.fit(x, y, batch_size=16, epochs=3, verbose=0, validation_split=0.25, callbacks=[
        cb.TerminateOnNaN(), grad_norm,
        cb.ModelCheckpoint(f"{directory}/best.keras", save_best_only=True),
        cb.BackupAndRestore(f"{directory}/backup"), cb.EarlyStopping(patience=5, restore_best_weights=True),
        cb.ReduceLROnPlateau(patience=1), cb.CSVLogger(f"{directory}/log.csv"),
        cb.LearningRateScheduler(lambda epoch, lr: lr * 0.9),
    ])
    best = striate.models.load_model(f"{directory}/best.keras").predict(x, verbose=0)
    return {"history": {k: [float(v) for v in vs] for k, vs in history.history.items()},
            "weights": model.get_weights(), "best": best}


def case_explain_and_viz():
    """The boundary tools on a device model: backprop traces, feature maps, activation maximisation."""
    from striate import explain, viz

    L = striate.layers
    dense = striate.Sequential([striate.Input((3,)), L.Dense(4, activation="sigmoid", name="hidden"),
                                L.Dense(2, activation="softmax", name="out")])
    trace = explain.backprop(dense, np.array([0.5, -1.0, 2.0], "float32"), np.array([0.0, 1.0], "float32"),
                             loss="categorical_crossentropy")
    conv = striate.Sequential([striate.Input((8, 8, 1)), L.Conv2D(3, 3, activation="relu", name="conv"),
                               L.GlobalAveragePooling2D(), L.Dense(2, activation="softmax", name="out")])
    maps = viz.feature_maps(conv, "conv", _data((2, 8, 8, 1)))
    images = viz.maximize_activation(conv, "out", 1, steps=5, seed=0)
    return {"loss": trace.loss, "node_grads": trace.node_grads, "kernel_grads": trace.kernel_grads,
            "checks": [float(v) < 1e-5 for v in trace.checks.values()], "maps": maps,
            "images": np.asarray(images)}
