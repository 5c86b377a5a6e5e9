"""Transfer learning, the lecture's recipe with what is available offline.

1. Train a convnet (LeNet-5, ``striate.applications.lenet5``: 28x28x1 -> conv 6 ->
   pool -> conv 16 -> pool -> flatten (400) -> dense 120 -> dense 84 -> dense 10) on
   all 60,000 Fashion-MNIST images (clothes, not digits), 5 epochs.
2. Chop off its classification layer: the frozen feature extractor is
   ``Model(inputs=model.inputs, outputs=model.get_layer("fc2").output)``, the 84
   values of the last hidden layer (the recipe's cut). The same pattern with
   ``get_layer("flatten")`` cuts below the dense layers: the 400 conv features.
   Both cuts are reported side by side.
3. The new task: MNIST digits with only 100 labelled examples per class. The 1,000
   labels are drawn from the training part of ``load_mnist_split()`` (4,000 images,
   400 per digit) by ``per_class_subset(y_train, 100, seed=0)``: for each digit,
   ``numpy.random.default_rng(0).choice`` of 100 of its 400 indices. Every result is
   the accuracy on the split's 1,000 test digits (100 per digit).
4. On the frozen features, fit (a) logistic regression and (b) an RBF-kernel SVM from
   scikit-learn (features standardised; C chosen by 5-fold cross-validation on the
   1,000 labelled digits), and (c) a fresh dense head in striate (dense 128 ReLU ->
   dropout 0.5 -> dense 10, 60 epochs Adam 1e-3) on top of the frozen extractor, then
   (c') the whole network fine-tuned end to end (40 more epochs, Adam 3e-4).
5. Baselines without Fashion-MNIST on the same 1,000 labels: the same convnet from
   scratch (60 epochs Adam 1e-3), and (a), (b) on raw pixels.

scikit-learn is a large install and optional: ``pip install scikit-learn`` (or
``pip install -e '.[transfer]'``); without it (a) and (b) are skipped with that
message, and a full run exits with status 2.

    python examples/transfer_learning.py [--pretrain-epochs 5] [--out out/transfer_learning]
    python examples/transfer_learning.py --pretrained out/transfer_learning/lenet5_fashion.weights.safetensors
    python examples/transfer_learning.py --quick     # smoke run: 1,000 Fashion images, 1 epoch, small fits

Prints the comparison as a Markdown table, writes ``results.md``/``results.json`` and
the Fashion-MNIST LeNet-5's weights (``lenet5_fashion.weights.safetensors``, reusable
with ``--pretrained``) to ``--out``. Exits with status 1 when no transfer result (a,
b, c or c', either cut) beats the from-scratch convnet (never with ``--quick``).
"""

import argparse
import os
import sys

import numpy as np

import striate as keras
from striate import applications, layers  # keras.applications: striate/__init__.py does not import it (yet)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import Timer, markdown_table, per_class_subset, write_results  # noqa: E402

SKLEARN_HINT = "pip install scikit-learn   (or: pip install -e '.[transfer]')"


def feature_extractor(model, layer_name):
    """Keras's pattern: a model from the trained model's input to one of its layers' outputs."""
    return keras.Model(inputs=model.inputs, outputs=model.get_layer(layer_name).output)


def pretrain(x, y, x_test, y_test, epochs, seed):
    keras.utils.set_random_seed(seed)
    model = applications.lenet5(input_shape=(28, 28, 1), num_classes=10)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    with Timer() as t:
        model.fit(x, y, batch_size=64, epochs=epochs, verbose=2)
    _, acc = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
    return model, acc, t.seconds


def sklearn_fits(f_train, y_train, f_test, y_test, quick):
    """(a) logistic regression and (b) RBF SVM on standardised features, C by 5-fold CV; test accuracies."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    cv = 2 if quick else 5
    grids = {
        "logistic regression": (LogisticRegression(max_iter=3000), [0.01, 0.1, 1.0, 10.0]),
        "RBF SVM": (SVC(kernel="rbf", gamma="scale"), [0.3, 1.0, 3.0, 10.0, 30.0]),
    }
    results = {}
    for name, (estimator, cs) in grids.items():
        pipe = make_pipeline(StandardScaler(), estimator)
        key = pipe.steps[-1][0] + "__C"
        search = GridSearchCV(pipe, {key: cs[2:3] if quick else cs}, cv=cv)
        with Timer() as t:
            search.fit(f_train, y_train)
        results[name] = {"accuracy": float(search.score(f_test, y_test)), "C": search.best_params_[key],
                         "seconds": t.seconds}
    return results


def dense_head(extractor, seed):
    """(c): a fresh head on the frozen extractor, Keras's transfer-learning recipe."""
    keras.utils.set_random_seed(seed)
    extractor.trainable = False
    inputs = keras.Input(shape=(28, 28, 1))
    z = extractor(inputs, training=False)
    z = layers.Dense(128, activation="relu", name="head_dense")(z)
    z = layers.Dropout(0.5, name="head_dropout")(z)
    outputs = layers.Dense(10, activation="softmax", name="head_output")(z)
    return keras.Model(inputs, outputs, name="transfer")


def head_and_finetune(base, cut, x, y, x_test, y_test, args):
    """(c) a fresh head on the frozen extractor, then (c') everything fine-tuned; test accuracies and notes."""
    extractor = feature_extractor(base, cut)
    model = dense_head(extractor, args.seed)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    with Timer() as t:
        model.fit(x, y, batch_size=32, epochs=args.head_epochs, verbose=0)
    _, head_acc = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
    head_note = f"{trainable:,} trainable, {args.head_epochs} ep. Adam 1e-3, {t.seconds:.0f} s"
    extractor.trainable = True  # (c'): unfreeze everything and fine-tune at a smaller learning rate
    model.compile(optimizer=keras.optimizers.Adam(args.finetune_lr), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    with Timer() as t:
        model.fit(x, y, batch_size=32, epochs=args.finetune_epochs, verbose=0)
    _, tuned_acc = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
    tuned_note = f"+{args.finetune_epochs} ep. Adam {args.finetune_lr:g}, {t.seconds:.0f} s"
    return (head_acc, head_note), (tuned_acc, tuned_note)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pretrain-epochs", "--epochs", type=int, default=5, dest="epochs",
                        help="epochs of LeNet-5 on Fashion-MNIST")
    parser.add_argument("--pretrained", default=None,
                        help="a .weights.safetensors file of the Fashion-MNIST LeNet-5 to use instead of training "
                             "(each run writes one to --out)")
    parser.add_argument("--head-epochs", type=int, default=60)
    parser.add_argument("--finetune-epochs", type=int, default=40)
    parser.add_argument("--finetune-lr", type=float, default=3e-4)
    parser.add_argument("--scratch-epochs", type=int, default=60)
    parser.add_argument("--per-class", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join("out", "transfer_learning"))
    parser.add_argument("--quick", action="store_true", help="smoke run on little data; no target")
    parser.add_argument("--limit", type=int, default=None, help="use only this many Fashion-MNIST training images")
    args = parser.parse_args(argv)
    if args.quick:
        args.limit = args.limit or 1000
        args.epochs, args.head_epochs, args.finetune_epochs, args.scratch_epochs = 1, 2, 1, 2
    smoke = args.quick or args.limit is not None
    os.makedirs(args.out, exist_ok=True)

    try:
        import sklearn
    except ImportError:
        sklearn = None
        print(f"scikit-learn is not installed: (a) and (b) are skipped. Install it with\n    {SKLEARN_HINT}\n")

    # ---- 1. the source task: Fashion-MNIST ------------------------------------------------
    (fx, fy), (fx_test, fy_test) = keras.datasets.fashion_mnist.load_data()
    if args.limit:
        fx, fy = fx[:args.limit], fy[:args.limit]
    fx, fx_test = (fx.astype("float32") / 255.0)[..., None], (fx_test.astype("float32") / 255.0)[..., None]
    fy, fy_test = fy.astype(np.int64), fy_test.astype(np.int64)
    if args.pretrained:
        base = applications.lenet5(input_shape=(28, 28, 1), num_classes=10)
        base.load_weights(args.pretrained)
        base.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        _, fashion_acc = base.evaluate(fx_test, fy_test, batch_size=1000, verbose=0)
        pre_seconds = 0.0
        print(f"1. LeNet-5 trained on Fashion-MNIST, loaded from {args.pretrained}")
    else:
        print(f"1. LeNet-5 on Fashion-MNIST: {len(fx)} train / {len(fx_test)} test, {args.epochs} epochs")
        base, fashion_acc, pre_seconds = pretrain(fx, fy, fx_test, fy_test, args.epochs, args.seed)
        base.save_weights(os.path.join(args.out, "lenet5_fashion.weights.safetensors"))
    print(f"   Fashion-MNIST test accuracy {100 * fashion_acc:.2f} % ({pre_seconds:.0f} s)\n")

    # ---- 3. the target task: 100 labelled digits per class ---------------------------------
    (mx, my), (mx_test, my_test) = keras.datasets.load_mnist_split()
    pick = per_class_subset(my, args.per_class, seed=args.seed)
    mx, my = (mx[pick].astype("float32") / 255.0)[..., None], my[pick]
    mx_test = (mx_test.astype("float32") / 255.0)[..., None]
    print(f"3. MNIST subset: {len(my)} labelled digits ({args.per_class} per class, per_class_subset seed "
          f"{args.seed}) from load_mnist_split()'s 4,000 training images; test on its {len(my_test)} test digits\n")

    # ---- 2 + 4. frozen features at two cuts, three classifiers, then fine-tuning ----------------
    cuts = {"fc2": "penultimate fc2 (84): the recipe", "flatten": "conv features, flatten (400)"}
    results = {cut: {} for cut in cuts}  # cut -> method -> (accuracy, note)
    sk = {}
    for cut in cuts:
        extractor = feature_extractor(base, cut)  # Model(inputs=model.inputs, outputs=model.get_layer(cut).output)
        f_train = extractor.predict(mx, batch_size=500, verbose=0)
        f_test = extractor.predict(mx_test, batch_size=500, verbose=0)
        if sklearn is not None:
            sk[cut] = sklearn_fits(f_train, my, f_test, my_test, args.quick)
            results[cut]["(a) scikit-learn logistic regression"] = (sk[cut]["logistic regression"]["accuracy"],
                                                                     f"C={sk[cut]['logistic regression']['C']:g}")
            results[cut]["(b) scikit-learn RBF-kernel SVM"] = (sk[cut]["RBF SVM"]["accuracy"],
                                                               f"C={sk[cut]['RBF SVM']['C']:g}")
        head, tuned = head_and_finetune(base, cut, mx, my, mx_test, my_test, args)
        results[cut]["(c) striate dense head 128-ReLU-dropout-10, frozen extractor"] = head
        results[cut]["(c') then all layers fine-tuned"] = tuned
        for method, (acc, note) in results[cut].items():
            print(f"   cut at {cut:8s} {method:62s} {100 * acc:6.2f} %  ({note})", flush=True)

    # ---- 5. baselines on the same 1,000 labels --------------------------------------------------
    keras.utils.set_random_seed(args.seed)
    scratch = applications.lenet5(input_shape=(28, 28, 1), num_classes=10)
    scratch.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"])
    with Timer() as t:
        scratch.fit(mx, my, batch_size=32, epochs=args.scratch_epochs, verbose=0)
    _, acc_scratch = scratch.evaluate(mx_test, my_test, batch_size=1000, verbose=0)
    baselines = {"LeNet-5 from scratch on the 1,000 labels": (acc_scratch, f"{args.scratch_epochs} ep. Adam 1e-3, "
                                                                          f"{t.seconds:.0f} s")}
    if sklearn is not None:
        sk["pixels"] = sklearn_fits(mx.reshape(len(mx), -1), my, mx_test.reshape(len(mx_test), -1), my_test,
                                    args.quick)
        for name in ("logistic regression", "RBF SVM"):
            r = sk["pixels"][name]
            baselines[f"scikit-learn {name} on raw pixels"] = (r["accuracy"], f"C={r['C']:g}")
    for method, (acc, note) in baselines.items():
        print(f"   baseline {method:67s} {100 * acc:6.2f} %  ({note})", flush=True)

    # ---- the table: one row per method, one column per cut ---------------------------------------
    columns = ["method"] + [f"{label} %" for label in cuts.values()] + ["no transfer %", "notes"]
    rows = []
    for method in results["fc2"]:
        row = {"method": method, "notes": " / ".join(results[c][method][1] for c in cuts)}
        for cut, label in cuts.items():
            row[f"{label} %"] = 100.0 * results[cut][method][0]
        rows.append(row)
    for method, (acc, note) in baselines.items():
        rows.append({"method": "baseline: " + method, "no transfer %": 100.0 * acc, "notes": note})
    table = markdown_table(rows, columns)
    header = (f"Source: LeNet-5 trained on {len(fx):,} Fashion-MNIST images ({args.epochs} epochs; Fashion-MNIST test "
              f"accuracy {100 * fashion_acc:.2f} %). Target: {len(my):,} labelled MNIST digits ({args.per_class} per "
              f"class, per_class_subset seed {args.seed}, from load_mnist_split()'s training part), tested on "
              f"load_mnist_split()'s {len(my_test):,} test digits; MNIST test accuracy in %.")
    print("\n" + header + "\n\n" + table)
    best_cut, best_method, best = max(((c, m, 100 * a) for c in cuts for m, (a, _) in results[c].items()),
                                      key=lambda r: r[2])
    recipe_best = max(100 * a for a, _ in results["fc2"].values())
    met = best > 100 * acc_scratch
    print(f"\nfrom scratch: {100 * acc_scratch:.2f} %; best transfer: {best:.2f} % ({best_method}, cut at {best_cut}); "
          f"best with the recipe's cut (fc2): {recipe_best:.2f} %. "
          f"{'Transfer beats training from scratch' if met else 'Transfer does NOT beat training from scratch'}"
          + ("  [quick run: not checked]" if smoke else ""))
    write_results(args.out, "transfer_learning", header + "\n\n" + table, {
        "args": vars(args), "fashion_test_accuracy": fashion_acc, "pretrain_seconds": pre_seconds,
        "results": {c: {m: {"accuracy": a, "note": n} for m, (a, n) in r.items()} for c, r in results.items()},
        "baselines": {m: {"accuracy": a, "note": n} for m, (a, n) in baselines.items()}, "sklearn": sk,
        "rows": rows, "labelled": len(my), "n_test": len(my_test), "best": [best_cut, best_method, best],
        "target_met": met})
    print(f"results written to {args.out}/results.md and results.json")
    if sklearn is None and not smoke:
        print(f"scikit-learn missing: {SKLEARN_HINT}", file=sys.stderr)
        return 2
    if not met and not smoke:
        print("transfer did not beat training from scratch", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
