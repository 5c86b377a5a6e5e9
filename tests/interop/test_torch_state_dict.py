"""PyTorch state dicts: the reference nets of striate.applications built in PyTorch give the same outputs."""

import numpy as np
import pytest

import striate
from striate import applications
from striate import layers as S
from striate.interop import from_torch_state_dict, to_torch_state_dict

torch = pytest.importorskip("torch")
nn = torch.nn
RNG = np.random.default_rng(51)


def torch_lecun1989():
    return nn.Sequential(nn.Conv2d(1, 12, 5, stride=2, padding=2), nn.Tanh(), nn.Conv2d(12, 12, 5, stride=2, padding=2),
                         nn.Tanh(), nn.Flatten(), nn.Linear(192, 30), nn.Tanh(), nn.Linear(30, 10))


def torch_lenet5():
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                         nn.Linear(84, 10))


def torch_cifar_cnn():
    return nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(2304, 512), nn.ReLU(), nn.Dropout(0.5), nn.Linear(512, 10))


class TorchResNet(nn.Module):
    """small_resnet in PyTorch: BN with Keras's epsilon 1e-3."""

    def __init__(self, filters=16, blocks=3, classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, filters, 3, padding=1, bias=False)
        self.stem_bn = nn.BatchNorm2d(filters, eps=1e-3)
        self.blocks = nn.ModuleList(nn.ModuleList([nn.Conv2d(filters, filters, 3, padding=1, bias=False),
                                                   nn.BatchNorm2d(filters, eps=1e-3),
                                                   nn.Conv2d(filters, filters, 3, padding=1, bias=False),
                                                   nn.BatchNorm2d(filters, eps=1e-3)]) for _ in range(blocks))
        self.fc = nn.Linear(filters, classes)

    def forward(self, x):
        x = torch.relu(self.stem_bn(self.stem(x)))
        for c1, b1, c2, b2 in self.blocks:
            x = torch.relu(x + b2(c2(torch.relu(b1(c1(x))))))
        return self.fc(x.mean(dim=(2, 3)))


def randomize_bn(module):
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn_like(m.running_mean) * 0.1)
            m.running_var.copy_(torch.rand_like(m.running_var) + 0.5)
            m.weight.data.copy_(torch.rand_like(m.weight) + 0.5)
            m.bias.data.copy_(torch.randn_like(m.bias) * 0.1)


NETS = [
    ("lecun1989", lambda: applications.lecun1989(classifier_activation=None), torch_lecun1989, (16, 16, 1)),
    ("lenet5", lambda: applications.lenet5(classifier_activation=None), torch_lenet5, (28, 28, 1)),
    ("cifar_cnn", lambda: applications.cifar_cnn(classifier_activation=None), torch_cifar_cnn, (32, 32, 3)),
    ("small_resnet", lambda: applications.small_resnet(classifier_activation=None), TorchResNet, (32, 32, 3)),
]


def torch_outputs(net, x):
    with torch.no_grad():
        return net(torch.tensor(np.moveaxis(x, -1, 1).copy())).numpy()  # NHWC -> NCHW


@pytest.mark.parametrize("name,ours,theirs,shape", NETS, ids=[n[0] for n in NETS])
@pytest.mark.parametrize("values", ["torch", "numpy"])
def test_reference_nets_give_pytorchs_outputs(name, ours, theirs, shape, values):
    torch.manual_seed(0)
    net = theirs().eval()
    randomize_bn(net)
    state = net.state_dict()
    if values == "numpy":
        state = {k: v.numpy() for k, v in state.items()}
    model = ours()
    from_torch_state_dict(model, state)
    x = RNG.standard_normal((4,) + shape).astype("float32")
    expected = torch_outputs(net, x)
    # float32 sums of up to 2,304 products per layer, a few layers deep
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())


@pytest.mark.parametrize("name,ours,theirs,shape", NETS, ids=[n[0] for n in NETS])
def test_striate_weights_go_back_into_pytorch(name, ours, theirs, shape):
    model = ours()
    for layer in model.layers:
        if isinstance(layer, S.BatchNormalization):
            layer.set_weights([RNG.uniform(0.5, 1.5, w.shape).astype("float32") for w in layer.get_weights()])
    net = theirs().eval()
    state = to_torch_state_dict(model, reference=net.state_dict())
    assert list(state) == list(net.state_dict()) and all(isinstance(v, torch.Tensor) for v in state.values())
    net.load_state_dict(state)
    x = RNG.standard_normal((3,) + shape).astype("float32")
    expected = model.predict(x, verbose=0)
    np.testing.assert_allclose(torch_outputs(net, x), expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())
    plain = to_torch_state_dict(model)  # without a reference: NumPy arrays under the layers' names
    assert all(isinstance(v, np.ndarray) for v in plain.values()) and len(plain) == len(
        [k for k in net.state_dict() if not k.endswith("num_batches_tracked")])


def test_depthwise_separable_and_1d_3d_convs():
    torch.manual_seed(1)
    net = nn.Sequential(nn.Conv1d(2, 4, 3), nn.Conv1d(4, 8, 3, groups=4, bias=False), nn.Conv1d(8, 5, 1), nn.Conv1d(5, 10, 2, groups=5))
    inputs = striate.Input(shape=(9, 2))
    x = S.Conv1D(4, 3)(inputs)
    x = S.SeparableConv1D(5, 3, depth_multiplier=2)(x)
    x = S.DepthwiseConv1D(2, depth_multiplier=2)(x)
    model = striate.Model(inputs, x)
    from_torch_state_dict(model, net.state_dict())
    xs = RNG.standard_normal((2, 9, 2)).astype("float32")
    with torch.no_grad():
        expected = np.moveaxis(net(torch.tensor(np.moveaxis(xs, -1, 1).copy())).numpy(), 1, -1)
    np.testing.assert_allclose(model.predict(xs, verbose=0), expected, rtol=1e-5, atol=1e-5)
    net3 = nn.Conv3d(2, 3, (2, 3, 2))
    model3 = striate.Sequential([striate.Input(shape=(4, 5, 3, 2)), S.Conv3D(3, (2, 3, 2))])
    from_torch_state_dict(model3, net3.state_dict())
    xs = RNG.standard_normal((2, 4, 5, 3, 2)).astype("float32")
    with torch.no_grad():
        expected = np.moveaxis(net3(torch.tensor(np.moveaxis(xs, -1, 1).copy())).numpy(), 1, -1)
    np.testing.assert_allclose(model3.predict(xs, verbose=0), expected, rtol=1e-5, atol=1e-5)


def test_name_map_and_channels_last_flatten():
    torch.manual_seed(2)
    net = nn.ModuleDict({"head": nn.Linear(12, 2), "body": nn.Conv2d(1, 3, 3)})  # registered out of order
    model = striate.Sequential([striate.Input(shape=(4, 4, 1)), S.Conv2D(3, 3, name="conv"), S.Flatten(),
                                S.Dense(2, name="fc")])
    from_torch_state_dict(model, net.state_dict(), name_map={"conv": "body", "fc": "head"})
    x = RNG.standard_normal((2, 4, 4, 1)).astype("float32")
    with torch.no_grad():
        nchw = net["body"](torch.tensor(np.moveaxis(x, -1, 1).copy()))
        expected = net["head"](nchw.flatten(1)).numpy()                     # nn.Flatten order
        expected_last = net["head"](nchw.permute(0, 2, 3, 1).flatten(1)).numpy()  # NHWC flatten
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)
    from_torch_state_dict(model, net.state_dict(), name_map={"conv": "body", "fc": "head"},
                          flatten_order="channels_last")
    np.testing.assert_allclose(model.predict(x, verbose=0), expected_last, rtol=1e-5, atol=1e-5)


def test_mismatches_name_the_layer_and_leave_the_model_unchanged():
    model = applications.lenet5()
    before = model.get_weights()
    state = torch_lenet5().state_dict()
    bad = dict(state, **{"7.weight": torch.zeros(120, 401)})
    with pytest.raises(ValueError, match=r"layer 'fc1' \(Dense\), weight 'fc1/kernel': '7.weight' converts to shape "
                                         r"\(401, 120\), the layer needs \(400, 120\)"):
        from_torch_state_dict(model, bad)
    with pytest.raises(ValueError, match="too few modules: none left for layer 'output'"):
        from_torch_state_dict(model, {k: v for k, v in state.items() if not k.startswith("11.")})
    with pytest.raises(ValueError, match=r"entries that no layer .* takes: \['extra.weight'\]"):
        from_torch_state_dict(model, dict(state, **{"extra.weight": torch.zeros(1)}))
    from_torch_state_dict(applications.lenet5(), dict(state, **{"extra.weight": torch.zeros(1)}), strict=False)
    with pytest.raises(TypeError, match="mapping"):
        from_torch_state_dict(model, [1, 2])
    with pytest.raises(ValueError, match="name_map names layers .* does not have"):
        from_torch_state_dict(model, state, name_map={"nope": "0"})
    with pytest.raises(ValueError, match="flatten_order"):
        from_torch_state_dict(model, state, flatten_order="nhwc")
    assert all((a == b).all() for a, b in zip(before, model.get_weights()))


def test_torch_is_not_imported_for_numpy_state_dicts():
    import subprocess
    import sys

    code = ("import sys, numpy as np, striate\n"
            "m = striate.Sequential([striate.Input(shape=(2,)), striate.layers.Dense(1)])\n"
            "striate.interop.from_torch_state_dict(m, {'0.weight': np.ones((1, 2)), '0.bias': np.zeros(1)})\n"
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**__import__("os").environ, "PYTHONPATH": "src"})
    assert out.stdout.strip() == "False"
