# %% [markdown]
# # Convolution as feature extraction
#
# The lecture's third demo. Slide a small array $w$ (the *kernel* or *filter*) over a
# signal or an image and, at every position, take the sum of products:
#
# $$ y[n] = \sum_k w[k] \, x[n + k] $$
#
# (this is *correlation*; convolution flips $w$ first, and deep-learning libraries call
# correlation "convolution"). What the output means depends only on the kernel:
#
# - an average of neighbours **smooths** (removes noise);
# - a difference of neighbours finds **edges**;
# - a piece of the image itself finds where that piece **matches**;
# - a snippet of a sine wave finds where that **frequency** is.
#
# `striate.signal` does all of this on plain NumPy arrays; a convolutional network's
# layers compute the same correlation with kernels that are *learned*.

# %%
import matplotlib.pyplot as plt
import numpy as np

import striate as keras
from striate import signal


def show(ax, image, title, cmap="gray", **kwargs):
    ax.imshow(image, cmap=cmap, **kwargs)
    ax.set_title(title, fontsize=9)
    ax.axis("off")


try:  # scikit-image ships test photographs; without it, a generated scene
    from skimage import data as photos
    camera = photos.camera() / 255.0
    coins = photos.coins() / 255.0
except ImportError:
    camera = coins = signal.make_scenes(1, size=256, seed=3)[0][0]

# %% [markdown]
# ## Smoothing
#
# A 1-D signal first: an electrocardiogram (from PyWavelets, or a made-up one), smoothed
# with moving averages of growing width and a Gaussian. Wider kernels remove more noise
# — and more of the peaks.

# %%
try:
    import pywt
    ecg = pywt.data.ecg().astype(float)
except ImportError:
    t = np.linspace(0, 4, 1024)
    ecg = 2 * np.sin(2 * np.pi * t) ** 31 + 0.1 * np.random.default_rng(0).standard_normal(t.size)

fig, ax = plt.subplots(figsize=(12, 3.5))
ax.plot(ecg, lw=0.6, color="0.6", label="ECG")
for width in (5, 15, 45):
    ax.plot(signal.smooth(ecg, "uniform", size=width), lw=1, label=f"moving average of {width}")
ax.plot(signal.smooth(ecg, sigma=6.0), lw=1, ls="--", label="Gaussian, sigma 6")
ax.legend(fontsize=8);

# %% [markdown]
# In 2-D the kernel is a small square; a Gaussian kernel weighs near neighbours more.
# Smoothing a noisy photograph removes the noise (and, with a wide kernel, the detail).

# %%
rng = np.random.default_rng(1)
noisy = camera + 0.15 * rng.standard_normal(camera.shape)
print("Gaussian kernel, sigma 1:\n", signal.gaussian_kernel(5, 1.0, ndim=2).round(3))
fig, axes = plt.subplots(1, 4, figsize=(14, 3.8))
show(axes[0], noisy, "noisy", vmin=0, vmax=1)
for ax, sigma in zip(axes[1:], (1, 2, 5)):
    clean = signal.smooth(noisy, sigma=sigma)
    rms = np.sqrt(np.mean((clean - camera) ** 2))
    show(ax, clean, f"Gaussian sigma {sigma}: RMS error {rms:.3f}", vmin=0, vmax=1)

# %% [markdown]
# ## Edges
#
# The Sobel kernel $W_1$ subtracts the column on the right from the column on the left
# (with a little smoothing along the column), so it responds to vertical edges; its
# transpose $W_2$ to horizontal ones. $\sqrt{g_1^2 + g_2^2}$ is the edge strength in any
# direction.

# %%
w1, w2 = signal.sobel_kernels("float64")
print("W1 =\n", w1)
g1, g2 = signal.sobel(camera)
limit = np.percentile(np.abs(g1), 99)
fig, axes = plt.subplots(1, 3, figsize=(14, 4.5))
show(axes[0], g1, "W1: vertical edges (red +, blue -)", cmap="RdBu_r", vmin=-limit, vmax=limit)
show(axes[1], g2, "W2: horizontal edges", cmap="RdBu_r", vmin=-limit, vmax=limit)
show(axes[2], signal.gradient_magnitude(camera), "edge strength sqrt(g1² + g2²)")

# %% [markdown]
# ## Template matching
#
# Correlating with a piece of the image finds the places that look like it. Plain
# correlation prefers bright regions; the *normalised* cross-correlation compares
# patterns only and scores every position between -1 and 1.

# %%
top, left, h, w = 100, 77, 46, 46             # one coin
template = coins[top:top + h, left:left + w]
scores = signal.match_template(coins, template)
found = signal.best_matches(scores, count=6, min_distance=h // 2)
fig, axes = plt.subplots(1, 3, figsize=(15, 4), gridspec_kw={"width_ratios": [1, 4, 4]})
show(axes[0], template, "template")
show(axes[1], scores, "normalised cross-correlation", cmap="RdBu_r", vmin=-1, vmax=1)
show(axes[2], coins, "the six best matches")
for r, c in found:
    axes[2].add_patch(plt.Rectangle((c, r), w, h, fill=False, ec="yellow", lw=2))

# %% [markdown]
# ## Frequencies
#
# A sound made of a 440 Hz tone, then 880 Hz, then a chirp sweeping upwards. Correlating
# with a short tapered sine snippet measures how much of that frequency is present
# around each moment; doing it for all frequencies at once (with the FFT of overlapping
# segments) gives the spectrogram.

# %%
fs = 8000.0
second = int(fs)
t = np.arange(second) / fs
sound = np.concatenate([signal.tone(440.0, second, fs), signal.tone(880.0, second, fs),
                        np.sin(2 * np.pi * (300 * t + 900 * t ** 2))])
sound += 0.3 * np.random.default_rng(2).standard_normal(sound.size)
f, times, power = signal.spectrogram(sound, fs, nperseg=512, noverlap=384)
responses = signal.tone_responses(sound, fs, [440.0, 880.0], 400)
fig, axes = plt.subplots(2, 1, figsize=(12, 6), sharex=True)
axes[0].pcolormesh(times, f, 10 * np.log10(power + 1e-12), shading="auto", cmap="magma")
axes[0].set_ylim(0, 2500)
axes[0].set_ylabel("frequency (Hz)")
axes[0].set_title("spectrogram (light = loud)")
for hz, r in zip((440, 880), responses):
    axes[1].plot(np.arange(sound.size) / fs, r, label=f"{hz} Hz snippet")
axes[1].set_xlabel("time (s)")
axes[1].legend();

# %% [markdown]
# ## From hand-made filters to learned ones
#
# A `Conv2D` layer holds a bank of kernels and computes exactly this correlation, one
# output map per kernel. Load the two Sobel kernels into a layer and it *is* an edge
# detector — the same numbers as `signal.correlate`:

# %%
layer = keras.layers.Conv2D(2, kernel_size=3, use_bias=False, dtype="float64")
layer.build((None,) + camera.shape + (1,))
layer.set_weights([np.stack([w1, w2], axis=-1)[:, :, None, :]])   # (3, 3, in=1, out=2)
maps = layer(camera[None, :, :, None]).numpy()[0]                  # (H-2, W-2, 2)
same = np.allclose(maps[..., 0], signal.correlate(camera, w1), atol=1e-10)
print("Conv2D output", maps.shape, "equals signal.correlate:", same)

# %% [markdown]
# In a convolutional network nobody chooses the kernels: they start random and backprop
# adjusts them to lower the loss. The first layer of a network trained on digits ends up
# with small edge and blob detectors much like these — see `examples/visualize_convnet.py`
# and `striate.viz.plot_filters`.
#
# ## Try
#
# - `signal.edge_filter(camera, angle)` for edges at any angle.
# - A colour image (`skimage.data.astronaut()`) with a `(k, k, 3)` kernel: 3-D correlation.
# - Template matching with a template from another image.
