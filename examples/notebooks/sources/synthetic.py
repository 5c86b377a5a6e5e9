# %% [markdown]
# # The synthetic demo: a small network draws a curved boundary
#
# The lecture's first demo. Points in the plane belong to two classes that no
# straight line separates. A network with one hidden layer of sigmoid units learns
# to separate them: each hidden unit is a soft step across one line in the plane,
# and the output layer adds these steps up into a curved boundary.
#
# We train on toy data that `striate.datasets` generates, watch the boundary form,
# see how it depends on the number of hidden units, and finally look inside one
# backward pass of the lecture's 2-3-3-1 network.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

import striate as keras
from striate import datasets, explain, viz

# The test suite sets STRIATE_QUICK=1: fewer epochs, the same story.
QUICK = os.environ.get("STRIATE_QUICK") == "1"
EPOCHS = 100 if QUICK else 300
keras.utils.set_random_seed(0)

# %% [markdown]
# ## The data: two interleaved half-moons
#
# 600 points with a little noise; a quarter is held back to test on.

# %%
x, y = datasets.make_moons(600, noise=0.15, seed=0)
(x_train, y_train), (x_test, y_test) = keras.utils.train_test_split(x, y, test_size=0.25, seed=0)
fig, ax = plt.subplots(figsize=(4, 4))
ax.scatter(x[:, 0], x[:, 1], c=y, cmap="coolwarm", s=10)
ax.set_title(f"{len(x)} points, 2 classes");

# %% [markdown]
# ## The model
#
# The lecture's Keras code with `import striate as keras`: `nh` sigmoid hidden units,
# a softmax over the two classes, the cross-entropy loss and the Adam optimiser.

# %%
def make_model(nh, classes=2):
    model = keras.Sequential([
        keras.Input(shape=(2,)),
        keras.layers.Dense(nh, activation="sigmoid", name="hidden"),
        keras.layers.Dense(classes, activation="softmax", name="output"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.03),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


model = make_model(32)
model.summary()
history = model.fit(x_train, y_train, epochs=EPOCHS, batch_size=32, validation_data=(x_test, y_test), verbose=0)
loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test accuracy {accuracy:.3f}")

# %% [markdown]
# `fit` returns a `History`; the loss falls and the accuracy rises on the training
# points and on the held-back ones alike (no overfitting with this much data).

# %%
fig = viz.plot_history(history)

# %% [markdown]
# The decision regions: the class the model predicts at every point of the plane.

# %%
fig = viz.plot_decision_boundary(model, x_test, y_test, title=f"32 hidden units: {accuracy:.1%} of test points")

# %% [markdown]
# ## How many hidden units does it take?
#
# One hidden unit can only make one soft step: its boundary is a straight line. A
# few units bend it; more follow the moons closely.

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 4))
for ax, nh in zip(axes, [1, 3, 32]):
    keras.utils.set_random_seed(0)
    small = make_model(nh)
    small.fit(x_train, y_train, epochs=EPOCHS, batch_size=32, verbose=0)
    acc = small.evaluate(x_test, y_test, verbose=0)[1]
    viz.plot_decision_boundary(small, x_test, y_test, ax=ax, title=f"{nh} hidden unit(s): {acc:.1%}")
fig.tight_layout()

# %% [markdown]
# ## Other shapes
#
# Concentric circles, XOR (the problem a single neuron cannot solve) and two spirals,
# each with the same 32-unit network.

# %%
problems = {
    "circles": datasets.make_circles(600, noise=0.08, factor=0.5, seed=0),
    "xor": datasets.make_xor(600, noise=0.1, seed=0),
    "spirals": datasets.make_spirals(800, noise=0.05, n_classes=2, seed=0),
}
fig, axes = plt.subplots(1, 3, figsize=(13, 4))
for ax, (name, (px, py)) in zip(axes, problems.items()):
    keras.utils.set_random_seed(0)
    (ptr, qtr), (pts, qts) = keras.utils.train_test_split(px, py, test_size=0.25, seed=0)
    m = make_model(32)
    m.fit(ptr, qtr, epochs=EPOCHS, batch_size=32, verbose=0)
    viz.plot_decision_boundary(m, pts, qts, ax=ax, title=f"{name}: {m.evaluate(pts, qts, verbose=0)[1]:.1%}")
fig.tight_layout()

# %% [markdown]
# ## One backward pass, made visible
#
# Training needs the gradient of the loss $J$ with respect to every weight.
# Backprop gets all of them in one sweep from the loss back to the input. For the
# lecture's 2-3-3-1 network and one example, `striate.explain.backprop` keeps every
# quantity of the lecture:
#
# - forward: pre-activations $\bar v_{i+1} = K_i^T v_i + b_i$ and values $v_{i+1} = \sigma(\bar v_{i+1})$;
# - backward: $\delta_i = \partial J / \partial v_i$, $\bar\delta_{i+1} = \sigma'(\bar v_{i+1}) \odot \delta_{i+1}$,
#   $\delta_i = K_i \bar\delta_{i+1}$, and the weight gradients $\Delta_i = v_i \bar\delta_{i+1}^T$;
#
# and checks both formulas against the gradients the engine computed.

# %%
keras.utils.set_random_seed(0)
net = keras.Sequential([
    keras.Input(shape=(2,)),
    keras.layers.Dense(3, activation="sigmoid", name="H1"),
    keras.layers.Dense(3, activation="sigmoid", name="H2"),
    keras.layers.Dense(1, activation="sigmoid", name="out"),
])
trace = explain.backprop(net, np.array([0.5, -1.0]), np.array([1.0]), loss="binary_crossentropy")
print(trace)

# %% [markdown]
# The same pass as a picture: every node shows its value $v$ and its gradient
# $\delta$; every edge (a weight) is coloured by its gradient $\Delta$ and drawn
# thicker the larger it is. Read it from right to left: the gradients shrink as they
# travel back, because every sigmoid multiplies them by $\sigma' \le 1/4$ — the
# vanishing gradient in miniature.

# %%
fig = viz.plot_backprop(trace)

# %% [markdown]
# ## Try
#
# - Change `nh`, the learning rate or the noise of the moons.
# - Use `activation="relu"` in the hidden layer: the boundary becomes piecewise straight.
# - In the backprop picture, use `activation="relu"` in H1 and H2: do the gradients still shrink?
