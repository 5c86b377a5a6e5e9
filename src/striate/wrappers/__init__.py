"""scikit-learn wrappers (``striate.wrappers`` is ``keras.wrappers``).

The classes load on first use, so ``import striate`` does not import scikit-learn.
"""

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]


def __getattr__(name):
    if name in __all__:
        from striate.wrappers import sklearn_wrapper

        return getattr(sklearn_wrapper, name)
    raise AttributeError(f"module 'striate.wrappers' has no attribute {name!r}")
