"""ONNX export: every layer and every application checked by onnx.checker and run by onnxruntime."""

import numpy as np
import pytest

import striate
from striate import applications
from striate import layers as S
from striate.interop import export_onnx
from tests.interop.layer_cases import cases, randomize

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
RNG = np.random.default_rng(61)


def run(path, xs):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {i.name: x for i, x in zip(session.get_inputs(), xs)})


def check(model, xs, path, opset=None, terms=1):
    model.export(path, format="onnx", **({} if opset is None else {"opset_version": opset}))
    proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)
    expected = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    expected = expected if isinstance(expected, list) else [expected]
    got = run(path, xs)
    scale = max(np.abs(e).max() for e in expected) or 1.0
    eps = np.finfo(np.float32).eps  # float32 sums of `terms` products in a different order
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=8 * eps * np.sqrt(terms) * 16, atol=8 * eps * terms * scale)
    return proto


@pytest.mark.parametrize("build", list(cases(pytest)))
def test_every_layer_exports(tmp_path, build):
    model, xs = build()
    randomize(model)
    check(model, xs, tmp_path / "m.onnx", terms=100)


@pytest.mark.parametrize("opset", [13, 18, 21])
def test_opsets_and_a_dynamic_batch_axis(tmp_path, opset):
    model = applications.small_resnet(filters=4, blocks=1)
    randomize(model)
    proto = check(model, [RNG.standard_normal((5, 32, 32, 3)).astype("float32")], tmp_path / "m.onnx", opset,
                  terms=200)
    assert proto.opset_import[0].version == opset and proto.producer_name == "striate"
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and [d.dim_value for d in dims[1:]] == [32, 32, 3]  # NHWC in
    assert [d.dim_value for d in proto.graph.output[0].type.tensor_type.shape.dim[1:]] == [10]
    for n in (1, 7):
        x = RNG.standard_normal((n, 32, 32, 3)).astype("float32")
        np.testing.assert_allclose(run(tmp_path / "m.onnx", [x])[0], model.predict(x, verbose=0), atol=1e-5)


def calibrated(model, x):
    """Batch norms with statistics from data (momentum 0 for one pass), so deep nets keep their scale."""
    for layer in model.layers:
        if isinstance(layer, S.BatchNormalization):
            layer.momentum = 0.0
            layer.set_weights([RNG.uniform(0.5, 1.5, w.shape).astype("float32") for w in layer.get_weights()])
    model(x, training=True)
    return model


NETS = [
    ("lecun1989", lambda: applications.lecun1989(), (16, 16, 1)),
    ("lenet5", lambda: applications.lenet5(classifier_activation=None), (28, 28, 1)),
    ("cifar_cnn", lambda: applications.cifar_cnn(classifier_activation=None), (32, 32, 3)),
    ("small_resnet", lambda: applications.small_resnet(classifier_activation=None), (32, 32, 3)),
    ("VGG16", lambda: applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3), pooling="avg"),
     (32, 32, 3)),
    ("ResNet50", lambda: applications.ResNet50(weights=None, input_shape=(32, 32, 3), classes=5,
                                               classifier_activation=None), (32, 32, 3)),
    ("MobileNetV2", lambda: applications.MobileNetV2(weights=None, input_shape=(32, 32, 3), alpha=0.35, classes=4,
                                                     classifier_activation=None), (32, 32, 3)),
]


@pytest.mark.parametrize("name,build,shape", NETS, ids=[n[0] for n in NETS])
def test_applications_export(tmp_path, name, build, shape):
    x = RNG.standard_normal((4,) + shape).astype("float32")
    model = calibrated(build(), x)
    check(model, [x], tmp_path / f"{name}.onnx", terms=4608)


def test_multiple_inputs_outputs_nested_models_and_channels_first_layers(tmp_path):
    inner = striate.Sequential([striate.Input(shape=(6,)), S.Dense(4, activation="gelu"), S.Dense(3, activation="selu")],
                               name="inner")
    a, b = striate.Input(shape=(4, 4, 2), name="image"), striate.Input(shape=(6,), name="vector")
    x = S.UpSampling2D(2, data_format="channels_first")(a)            # channels first: upsamples axes 2, 3
    x = S.ZeroPadding2D(1, data_format="channels_first")(x)
    x = S.Cropping2D(((1, 0), (0, 1)), data_format="channels_first")(x)
    x = S.UpSampling2D(2, interpolation="bilinear")(S.Conv2D(2, 3, activation="hard_sigmoid")(x))
    x = S.GlobalAveragePooling2D()(x)
    y = inner(b)
    model = striate.Model([a, b], [S.Dense(2, activation="softmax", name="left")(S.Concatenate()([x, y])),
                                   S.Activation("silu", name="right")(y)])
    randomize(model)
    xs = [RNG.standard_normal((3, 4, 4, 2)).astype("float32"), RNG.standard_normal((3, 6)).astype("float32")]
    proto = check(model, xs, tmp_path / "m.onnx", terms=50)
    assert [o.name for o in proto.graph.output] == ["left", "right"]
    assert [i.name for i in proto.graph.input] == ["image", "vector"]


def test_unsupported_layers_and_models_are_named(tmp_path):
    lam = striate.Sequential([striate.Input(shape=(3,)), S.Lambda(lambda t: t * 2, name="double")])
    with pytest.raises(ValueError, match="layer 'double' of type Lambda has no ONNX converter; supported types: "):
        lam.export(tmp_path / "m.onnx", format="onnx")

    class Custom(S.Dense):  # a subclass of a supported layer is still code of its own
        pass

    custom = striate.Sequential([striate.Input(shape=(3,)), Custom(2, name="mine")])
    with pytest.raises(ValueError, match="layer 'mine' of type Custom"):
        export_onnx(custom, tmp_path / "m.onnx")

    class Sub(striate.Model):
        def call(self, x):
            return x

    with pytest.raises(ValueError, match="is subclassed"):
        export_onnx(Sub(), tmp_path / "m.onnx")
    model = applications.lenet5()
    with pytest.raises(ValueError, match="exports only format='onnx'"):
        model.export(tmp_path / "m")
    with pytest.raises(ValueError, match="opset_version must be in 13..21"):
        model.export(tmp_path / "m.onnx", format="onnx", opset_version=9)
    with pytest.raises(ValueError, match="input_signature must be None"):
        model.export(tmp_path / "m.onnx", format="onnx", input_signature=[(None, 28, 28, 1)])
    assert not (tmp_path / "m.onnx").exists()  # nothing written by a failed export
