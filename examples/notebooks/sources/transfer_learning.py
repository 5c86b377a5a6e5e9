# %% [markdown]
# # Transfer learning: features learned on clothes, reused for digits
#
# A convolutional network's layers compute features: the first ones edges and blobs,
# later ones larger parts. Trained on one task, those features can serve another: keep
# the trained convolutional layers *frozen*, cut the network below its classifier, and
# train only a new, small classifier (a "head") on the new task. It needs far fewer
# labelled examples and far less computation than training everything from scratch.
#
# Here the first task is Fashion-MNIST (clothes, 10 classes); the second is handwritten
# digits with only a few labelled examples per class. Keras's pattern for cutting a
# network is a new `Model` that shares the trained layers:
#
# ```python
# extractor = Model(inputs=model.inputs, outputs=model.get_layer(name).output)
# ```

# %%
import os
import time

import matplotlib.pyplot as plt
import numpy as np

import striate as keras
from striate import datasets, layers, viz

QUICK = os.environ.get("STRIATE_QUICK") == "1"  # set by the test suite
FASHION_IMAGES = 6000 if QUICK else 12000
FASHION_EPOCHS = 2 if QUICK else 3
keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)

# %% [markdown]
# ## 1. Train a small convnet on Fashion-MNIST
#
# A subset of the 60,000 training images keeps this to seconds.

# %%
(fx, fy), (fx_test, fy_test) = datasets.load_fashion_mnist()
pick = rng.permutation(len(fx))[:FASHION_IMAGES]
fx, fy = fx[pick, ..., None].astype("float32") / 255, fy[pick]        # (N, 28, 28, 1)
fx_test, fy_test = fx_test[:2000, ..., None].astype("float32") / 255, fy_test[:2000]


def convnet():
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(16, 3, activation="relu", name="conv1"),
        layers.MaxPooling2D(2, name="pool1"),
        layers.Conv2D(32, 3, activation="relu", name="conv2"),
        layers.MaxPooling2D(2, name="pool2"),
        layers.Flatten(name="flatten"),
        layers.Dense(64, activation="relu", name="dense"),
        layers.Dense(10, activation="softmax", name="predictions"),
    ])


base = convnet()
base.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
start = time.perf_counter()
base.fit(fx, fy, batch_size=64, epochs=FASHION_EPOCHS, verbose=0)
print(f"Fashion-MNIST: trained in {time.perf_counter() - start:.0f} s, "
      f"test accuracy {base.evaluate(fx_test, fy_test, verbose=0)[1]:.3f}")

# %%
fig = viz.plot_filters(base.get_layer("conv1"), title="Fashion-MNIST convnet: first-layer filters")

# %% [markdown]
# ## 2. Cut it: a frozen feature extractor
#
# The extractor runs an image through the trained convolution and pooling layers and
# returns the flattened maps (800 numbers). Its weights are the base model's own
# (shared, not copied); `trainable = False` freezes them.

# %%
extractor = keras.Model(inputs=base.inputs, outputs=base.get_layer("flatten").output)
extractor.trainable = False
print("features per image:", extractor.output.shape, " trainable weights:", len(extractor.trainable_weights))

# %% [markdown]
# What those features see in a digit, a kind of image the network has never seen:

# %%
(mx, my), (mx_test, my_test) = datasets.load_mnist_split()
mx_test = mx_test[..., None].astype("float32") / 255
fig = viz.plot_feature_maps(base, "conv1", mx_test[0], max_maps=16,
                            title="Fashion-trained conv1 on a digit: edges and strokes")

# %% [markdown]
# ## 3. A new head for digits, trained on a few labels
#
# The new model is the frozen extractor followed by one new `Dense` layer: only its
# 8,010 weights learn. Three contenders, each trained on the same few labelled digits:
#
# - **transfer**: Fashion-trained features (frozen) + a new head;
# - **random features**: the same architecture with *random*, frozen convolution weights
#   + a new head (how much do the learned features add?);
# - **scratch**: the whole convnet trained on the digits alone.

# %%
def few_digits(per_class):
    chosen = np.concatenate([np.flatnonzero(my == c)[:per_class] for c in range(10)])
    chosen = rng.permutation(chosen)
    return mx[chosen, ..., None].astype("float32") / 255, my[chosen]


def head_on(features):
    inputs = keras.Input(shape=(28, 28, 1))
    outputs = layers.Dense(10, activation="softmax", name="digits")(features(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.003), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


keras.utils.set_random_seed(5)
random_base = convnet()
random_extractor = keras.Model(inputs=random_base.inputs, outputs=random_base.get_layer("flatten").output)
random_extractor.trainable = False

results = {}
for per_class in (10, 100):
    x_few, y_few = few_digits(per_class)
    keras.utils.set_random_seed(1)
    scratch = convnet()
    scratch.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    for name, model in [("transfer", head_on(extractor)), ("random features", head_on(random_extractor)),
                        ("scratch", scratch)]:
        start = time.perf_counter()
        model.fit(x_few, y_few, batch_size=32, epochs=20, verbose=0)
        seconds = time.perf_counter() - start
        accuracy = model.evaluate(mx_test, my_test, verbose=0)[1]
        results[name, per_class] = (accuracy, seconds)
        print(f"{per_class:>3} digits per class  {name:<16} test accuracy {accuracy:.3f}  "
              f"training {seconds:4.1f} s  ({len(model.trainable_weights)} trainable weight arrays)")

# %%
fig, ax = plt.subplots(figsize=(7, 3.5))
names = ["transfer", "random features", "scratch"]
for offset, per_class in zip((-0.2, 0.2), (10, 100)):
    ax.bar(np.arange(3) + offset, [results[n, per_class][0] for n in names], width=0.4,
           label=f"{per_class} digits per class")
ax.set_xticks(range(3))
ax.set_xticklabels(names)
ax.set_ylabel("test accuracy (1,000 digits)")
ax.set_ylim(0.5, 1.0)
ax.legend()
ax.grid(axis="y", alpha=0.3);

# %% [markdown]
# ## What to read from it
#
# - The transferred head trains in a fraction of the time: only one `Dense` layer learns,
#   and nothing is back-propagated through the convolutions.
# - With few labels, frozen features plus a new head do about as well as — or better than
#   — a whole network trained from scratch.
# - The *random features* row is the control: on digits, even random convolution and
#   pooling features make a good representation, so much of the gain comes from the
#   architecture itself. Features learned on a closer task (or on far more data, like
#   ImageNet for photographs) add more.
#
# ## Try
#
# - Cut at `dense` instead of `flatten`: features specialised to clothes transfer worse.
# - Fine-tune: set `extractor.trainable = True` after training the head and continue with
#   a small learning rate.
# - Fewer labels: 3 digits per class.
