import os

os.environ.setdefault("KERAS_BACKEND", "torch")  # before any test module imports keras
