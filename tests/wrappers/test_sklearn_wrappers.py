"""scikit-learn wrappers: scikit-learn's own estimator checks (with the expected failures listed and
explained, as Keras's test does), and what the wrappers do in scikit-learn's tools."""

import inspect

import numpy as np
import pytest

import striate

sklearn = pytest.importorskip("sklearn", reason="the wrappers need scikit-learn: pip install striate[sklearn]")
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from striate.wrappers import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning",
                                        "ignore::DeprecationWarning:keras")


def dynamic_model(X, y, loss, out_activation_function="softmax", layers=(10,)):
    """The model function of Keras's own wrapper test: an MLP sized from X and y."""
    inp = striate.Input(shape=(X.shape[1],))
    hidden = inp
    for size in layers:
        hidden = striate.layers.Dense(size, activation="relu")(hidden)
    n_outputs = y.shape[1] if len(y.shape) > 1 else 1
    out = striate.layers.Dense(n_outputs, activation=out_activation_function)(hidden)
    model = striate.Model(inp, out)
    model.compile(loss=loss, optimizer="rmsprop")
    return model


_NOT_REPRODUCIBLE = ("fits twice and expects the same predictions, but each fit starts from freshly drawn "
                     "initial weights (Keras lists it too)")
_RAW_OUTPUTS = ("decision_function returns the model's raw outputs, shape (n, n_outputs), where scikit-learn "
                "wants 1-D scores for a binary problem (Keras lists it too)")
EXPECTED_FAILED_CHECKS = {
    "SKLearnClassifier": {
        "check_classifier_data_not_an_array": _NOT_REPRODUCIBLE,
        "check_supervised_y_2d": _NOT_REPRODUCIBLE,
        "check_fit_idempotent": _NOT_REPRODUCIBLE,
        "check_classifiers_train": _RAW_OUTPUTS,
        "check_classifiers_classes": _RAW_OUTPUTS,
        "check_classifiers_one_label_sample_weights": (
            "the samples weighted 0 still train in the 5 epochs, so predictions need not all be the one weighted "
            "class (Keras lists it too: 0 sample weight is not ignored)"),
    },
    "SKLearnRegressor": {},
    "SKLearnTransformer": {},
}


@parametrize_with_checks(
    [SKLearnClassifier(model=dynamic_model, model_kwargs={"loss": "categorical_crossentropy", "layers": [20, 20, 20]},
                       fit_kwargs={"epochs": 5, "verbose": 0}),
     SKLearnRegressor(model=dynamic_model, model_kwargs={"loss": "mse"}, fit_kwargs={"verbose": 0}),
     SKLearnTransformer(model=dynamic_model, model_kwargs={"loss": "mse"}, fit_kwargs={"verbose": 0})],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS[type(estimator).__name__],
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_expected_failures_really_fail():
    """Each listed failure is a real one (so the list cannot hide a check that now passes)."""
    from sklearn.utils.estimator_checks import check_estimator

    estimator = SKLearnClassifier(model=dynamic_model, model_kwargs={"loss": "categorical_crossentropy",
                                                                     "layers": [20, 20, 20]},
                                  fit_kwargs={"epochs": 5, "verbose": 0})
    striate.utils.set_random_seed(0)
    results = check_estimator(estimator, on_fail=None)
    failed = {r["check_name"] for r in results if r["status"] == "failed"}
    listed = set(EXPECTED_FAILED_CHECKS["SKLearnClassifier"])
    assert {"check_classifiers_train", "check_classifiers_classes"} <= failed <= listed


@pytest.mark.parametrize("activation", ["softmax", "linear"])
def test_decision_function_agrees_with_predict(activation):
    X, y = sklearn.datasets.make_classification(n_samples=10, n_features=10, n_informative=4, n_classes=2,
                                                random_state=42)
    est = SKLearnClassifier(model=dynamic_model, model_kwargs={"out_activation_function": activation,
                                                               "loss": "binary_crossentropy"},
                            fit_kwargs={"epochs": 1, "verbose": 0}).fit(X, y)
    assert (est.decision_function(X).argmax(axis=-1) == est.predict(X)).all()


def test_signature_is_keras():
    pytest.importorskip("torch")
    from tests.keras_oracle import import_keras

    k = import_keras()
    for ours, name in [(SKLearnClassifier, "SKLearnClassifier"), (SKLearnRegressor, "SKLearnRegressor"),
                       (SKLearnTransformer, "SKLearnTransformer")]:
        assert inspect.signature(ours.__init__) == inspect.signature(getattr(k.wrappers, name).__init__)


# ---- in use -------------------------------------------------------------------------------------
def _blobs(n=200, seed=0):
    return sklearn.datasets.make_blobs(n_samples=n, centers=3, n_features=4, random_state=seed, cluster_std=1.0)


def _softmax_regression(X, y):
    model = striate.Sequential([striate.Input((X.shape[1],)), striate.layers.Dense(y.shape[1], activation="softmax")])
    model.compile(optimizer=striate.optimizers.Adam(0.05), loss="categorical_crossentropy")
    return model


def test_classifier_learns_string_labels_and_works_in_a_pipeline():
    X, y = _blobs()
    labels = np.array(["cat", "dog", "owl"])[y]
    clf = SKLearnClassifier(_softmax_regression, fit_kwargs={"epochs": 30, "batch_size": 32, "verbose": 0})
    pipe = sklearn.pipeline.make_pipeline(sklearn.preprocessing.StandardScaler(), clf)
    pipe.fit(X, labels)
    assert pipe.score(X, labels) > 0.9
    assert clf.classes_.tolist() == ["cat", "dog", "owl"] and set(pipe.predict(X[:20])) <= set(clf.classes_)
    assert clf.epoch_ == 30 and list(clf.history_) == ["loss"]
    scores = sklearn.model_selection.cross_val_score(pipe, X, labels, cv=sklearn.model_selection.StratifiedKFold(2))
    assert scores.shape == (2,) and scores.min() > 0.85


def test_binary_classifier_with_one_sigmoid_unit():
    def one_unit(X, y):
        model = striate.Sequential([striate.Input((X.shape[1],)), striate.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer=striate.optimizers.Adam(0.05), loss="binary_crossentropy")
        return model

    X, y = sklearn.datasets.make_classification(n_samples=200, n_features=5, random_state=1, class_sep=2.0)

    class OneUnit(SKLearnClassifier):
        def _process_target(self, y, reset=False):  # one column of 0/1 targets for a sigmoid
            return super()._process_target(y, reset)[:, 1:]

    clf = OneUnit(one_unit, fit_kwargs={"epochs": 40, "verbose": 0}).fit(X, y)
    assert clf.decision_function(X).shape == (200, 1) and clf.score(X, y) > 0.9


def test_regressor_and_transformer():
    X, y = sklearn.datasets.make_regression(n_samples=200, n_features=5, noise=0.1, random_state=2)
    y = y / y.std()

    def linear(X, y):
        model = striate.Sequential([striate.Input((X.shape[1],)), striate.layers.Dense(y.shape[1])])
        model.compile(optimizer=striate.optimizers.Adam(0.05), loss="mse")
        return model

    reg = SKLearnRegressor(linear, fit_kwargs={"epochs": 60, "verbose": 0}).fit(X, y)
    assert reg.predict(X).shape == (200,) and reg.score(X, y) > 0.95
    trs = SKLearnTransformer(dynamic_model, model_kwargs={"loss": "mse", "out_activation_function": "linear"},
                             fit_kwargs={"epochs": 1, "verbose": 0}).fit(X, y)
    assert trs.transform(X).shape == (200, 1) and trs.fit_transform(X, y).shape == (200, 1)


def test_model_instance_is_cloned_compiled_and_warm_start_reuses_it():
    X, y = _blobs(60)
    model = dynamic_model(X, np.eye(3)[y], loss="categorical_crossentropy")
    before = [w.copy() for w in model.get_weights()]
    clf = SKLearnClassifier(model, fit_kwargs={"epochs": 2, "verbose": 0}).fit(X, y)
    assert clf.model_ is not model and clf.model_.compiled
    assert all((a == b).all() for a, b in zip(before, model.get_weights()))  # the given model is untouched
    first = clf.model_
    clf.fit(X, y)
    assert clf.model_ is not first  # a fresh copy each fit
    warm = SKLearnClassifier(model, warm_start=True, fit_kwargs={"epochs": 1, "verbose": 0}).fit(X, y)
    kept, weights = warm.model_, [w.copy() for w in warm.model_.get_weights()]
    warm.fit(X, y, epochs=2)  # fit's own kwargs win over fit_kwargs
    assert warm.model_ is kept and warm.epoch_ == 2
    assert not all((a == b).all() for a, b in zip(weights, kept.get_weights()))
    clone = sklearn.base.clone(clf)
    assert clone.model is model and not hasattr(clone, "model_")


def test_bad_models_and_targets():
    X, y = _blobs(30)

    def uncompiled(X, y):
        return striate.Sequential([striate.Input((X.shape[1],)), striate.layers.Dense(3)])

    with pytest.raises(RuntimeError, match="needs to be compiled"):
        SKLearnClassifier(uncompiled).fit(X, y)
    with pytest.raises(ValueError, match="only one class"):
        SKLearnClassifier(dynamic_model, model_kwargs={"loss": "mse"}).fit(X, np.zeros(30))
    with pytest.raises(ValueError, match="binary and multiclass"):
        SKLearnClassifier(dynamic_model, model_kwargs={"loss": "mse"}).fit(X, np.linspace(0, 1, 30))
    with pytest.raises(TypeError, match="must be a compiled Model or a function"):
        SKLearnRegressor(model=3).fit(X, y.astype(float))


def test_without_sklearn_the_wrappers_say_so(monkeypatch):
    from striate.wrappers import sklearn_wrapper

    monkeypatch.setattr(sklearn_wrapper, "sklearn", None)
    with pytest.raises(ImportError, match="requires scikit-learn"):
        SKLearnRegressor(dynamic_model)
