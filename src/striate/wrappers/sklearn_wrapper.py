"""scikit-learn estimators around striate models: ``SKLearnClassifier``, ``SKLearnRegressor``, ``SKLearnTransformer``.

Keras 3's wrappers (``keras.wrappers``), with its signature
``(model, warm_start=False, model_kwargs=None, fit_kwargs=None)``: ``model`` is
either a function ``model(X=X, y=y, **model_kwargs)`` that returns a compiled
model, or a compiled model instance (copied with ``clone_model`` and compiled
the same way before each fit, unless ``warm_start=True``). They plug into
scikit-learn's tools: pipelines, ``cross_val_score``, grid searches.

- ``SKLearnClassifier`` one-hot encodes the labels for training (``classes_`` keeps
  them) and ``predict`` returns the class of the largest output (of the output
  against 0.5 when the model has a single output unit);
  ``decision_function`` returns the raw outputs.
- ``SKLearnRegressor`` trains on ``y`` as ``(n, 1)`` when it is 1-D and returns
  predictions in ``y``'s shape.
- ``SKLearnTransformer``'s ``transform`` returns the model's outputs (an embedding).

scikit-learn is an optional dependency (``pip install striate[sklearn]``);
constructing a wrapper without it raises ImportError.

>>> import numpy as np
>>> import striate
>>> def make_model(X, y):
...     model = striate.Sequential([striate.Input((X.shape[1],)), striate.layers.Dense(y.shape[1],
...                                 activation="softmax")])
...     model.compile(optimizer=striate.optimizers.Adam(0.1), loss="categorical_crossentropy")
...     return model
>>> X = np.array([[0.0], [0.1], [0.9], [1.0]] * 8)
>>> y = np.array(["low", "low", "high", "high"] * 8)
>>> clf = SKLearnClassifier(make_model, fit_kwargs={"epochs": 40, "verbose": 0}).fit(X, y)
>>> clf.classes_.tolist(), clf.predict(np.array([[0.05], [0.95]])).tolist()
(['high', 'low'], ['low', 'high'])
"""

import numpy as np

try:
    import sklearn
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
except ImportError:  # the wrappers refuse to be built; the module still imports
    sklearn = None

    class BaseEstimator:
        pass

    class ClassifierMixin:  # distinct stand-ins: the classes below must still have a valid MRO
        pass

    class RegressorMixin:
        pass

    class TransformerMixin:
        pass

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]


def _require_sklearn(owner):
    if sklearn is None:
        raise ImportError(f"{owner} requires scikit-learn: pip install scikit-learn (or striate[sklearn])")


def _validate(estimator, X, y="no_validation", reset=True):
    """scikit-learn's input checks (arrays, finite values, ``n_features_in_``; ``y`` when given,
    with scikit-learn's message for ``y=None``), old and new API."""
    from sklearn.utils import validation

    kwargs = {"reset": reset, "y": y}
    if hasattr(validation, "validate_data"):  # scikit-learn >= 1.6
        return validation.validate_data(estimator, X, **kwargs)
    return estimator._validate_data(X, **kwargs)


def _check_model(model):
    """The model must be compiled with a loss and an optimizer (Keras's rule)."""
    if not getattr(model, "compiled", False) or not model.loss or model.optimizer is None:
        raise RuntimeError("Given model needs to be compiled, and have a loss and an optimizer.")


def _clone_compiled(model):
    """A fresh copy of ``model``, compiled like it (Keras's clone_model alone would not be compiled)."""
    from striate import optimizers
    from striate.models import clone_model

    clone = clone_model(model)
    _check_model(model)
    args = getattr(model, "_compile_args", {}) or {}
    clone.compile(optimizer=optimizers.deserialize(optimizers.serialize(model.optimizer)), loss=model.loss,
                  loss_weights=args.get("loss_weights"), metrics=args.get("metrics"))
    return clone


class SKLBase(BaseEstimator):
    """Base of the wrappers: the constructor only stores its arguments (scikit-learn's rule).

    Args:
        model: a function ``(X, y, **model_kwargs) -> compiled model`` or a compiled model.
        warm_start: reuse the fitted model and its weights on the next ``fit``.
        model_kwargs: keyword arguments for ``model`` when it is a function.
        fit_kwargs: keyword arguments for ``model.fit`` (those given to :meth:`fit` win).

    Attributes:
        model_: the fitted model.
        history_: the ``History.history`` dict of the last fit.
    """

    def __init__(self, model, warm_start=False, model_kwargs=None, fit_kwargs=None):
        _require_sklearn(type(self).__name__)
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True
        return tags

    def _more_tags(self):  # scikit-learn < 1.6
        return {"non_deterministic": True}

    def __sklearn_clone__(self):
        """A new unfitted wrapper with the same arguments (a model instance is shared: fit copies it)."""
        return type(self)(model=self.model, warm_start=self.warm_start, model_kwargs=self.model_kwargs,
                          fit_kwargs=self.fit_kwargs)

    @property
    def epoch_(self):
        """The number of epochs of the last fit."""
        return len(next(iter(getattr(self, "history_", {}).values()), []))

    def _get_model(self, X, y):
        from striate.models import Model

        if self.warm_start and hasattr(self, "model_"):
            return self.model_
        if isinstance(self.model, Model):
            return _clone_compiled(self.model)
        if not callable(self.model):
            raise TypeError(f"{type(self).__name__}: model must be a compiled Model or a function returning one, "
                            f"got {type(self.model).__name__}")
        return self.model(X=X, y=y, **(self.model_kwargs or {}))

    def fit(self, X, y, **kwargs):
        """Train on ``X`` (``(n_samples, n_features)``) and ``y``; ``kwargs`` go to ``model.fit``.

        Returns:
            self
        """
        X, y = _validate(self, X, y, reset=True)
        y = self._process_target(y, reset=True)
        model = self._get_model(X, y)
        _check_model(model)
        fit_kwargs = {**(self.fit_kwargs or {}), **kwargs}
        history = model.fit(X, y, **fit_kwargs)
        self.model_ = model
        self.history_ = dict(history.history)
        return self

    def _raw_predict(self, X):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = _validate(self, X, reset=False)
        return self.model_.predict(X, verbose=0)

    def predict(self, X):
        """The model's predictions, in the form of the targets it was fitted on."""
        return self._reverse_process_target(self._raw_predict(X))

    def _process_target(self, y, reset=False):
        """Regressors and transformers: 1-D targets become ``(n, 1)``."""
        from sklearn.utils.multiclass import type_of_target

        type_of_target(y, raise_unknown=True)
        y = np.asarray(y)
        if reset:
            self._target_ndim = y.ndim
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def _reverse_process_target(self, y):
        if getattr(self, "_target_ndim", 2) == 1 and y.ndim == 2 and y.shape[1] == 1:
            return y[:, 0]
        return y


class SKLearnClassifier(ClassifierMixin, SKLBase):
    """A scikit-learn classifier around a striate model (see the module doc).

    Attributes:
        classes_: the sorted class labels seen by ``fit``.

    Raises:
        ValueError: from ``fit`` for targets that are not binary or multiclass labels,
            or that hold a single class.
    """

    def _process_target(self, y, reset=False):
        from sklearn.utils.multiclass import type_of_target

        target_type = type_of_target(y, raise_unknown=True)
        if target_type not in ("binary", "multiclass"):
            raise ValueError(f"Only binary and multiclass target types are supported. Target type: {target_type}")
        y = np.asarray(y).reshape(-1)
        if reset:
            self.classes_ = np.unique(y)
            if len(self.classes_) == 1:
                raise ValueError("Classifier can't train when only one class is present.")
        index = np.searchsorted(self.classes_, y)
        if (index >= len(self.classes_)).any() or (self.classes_[np.minimum(index, len(self.classes_) - 1)] != y).any():
            raise ValueError(f"y holds labels that were not seen in fit (classes are {self.classes_.tolist()})")
        return np.eye(len(self.classes_), dtype="float32")[index]

    def _reverse_process_target(self, y):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1 and len(self.classes_) == 2:
            return self.classes_[(y[:, 0] > 0.5).astype(int)]
        return self.classes_[np.argmax(y.reshape(len(y), -1), axis=1)]

    def decision_function(self, X):
        """The model's raw outputs for ``X``."""
        return self._raw_predict(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True
        return tags

    def _more_tags(self):
        return {"non_deterministic": True, "poor_score": True}


class SKLearnRegressor(RegressorMixin, SKLBase):
    """A scikit-learn regressor around a striate model (see the module doc)."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags

    def _more_tags(self):
        return {"non_deterministic": True, "poor_score": True}


class SKLearnTransformer(TransformerMixin, SKLBase):
    """A scikit-learn transformer whose ``transform`` is the fitted model's ``predict`` (an embedding)."""

    def transform(self, X):
        """The model's outputs for ``X``, shape ``(n_samples, n_outputs)``."""
        return self._raw_predict(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []
        return tags

    def _more_tags(self):
        return {"non_deterministic": True, "preserves_dtype": []}
