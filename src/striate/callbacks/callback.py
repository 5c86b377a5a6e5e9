"""Callback: hooks that ``fit``, ``evaluate`` and ``predict`` call at each event.

``fit`` itself never prints or decides to stop; the progress bar, the history,
early stopping and checkpoints are all callbacks reacting to these events.
"""

__all__ = ["Callback", "CallbackList"]


class Callback:
    """Base class: override the events you need.

    Attributes:
        model: the model being trained (set by ``fit``).
        params: ``{'epochs', 'steps', 'verbose'}`` of the running call.
        rank_zero_only: class attribute; True for callbacks that print or write files, which
            run on process 0 alone under data parallelism (``striate.distribution``).
    """

    rank_zero_only = False

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_train_batch_begin(self, batch, logs=None): pass
    def on_train_batch_end(self, batch, logs=None): pass
    def on_test_begin(self, logs=None): pass
    def on_test_end(self, logs=None): pass
    def on_test_batch_begin(self, batch, logs=None): pass
    def on_test_batch_end(self, batch, logs=None): pass
    def on_predict_begin(self, logs=None): pass
    def on_predict_end(self, logs=None): pass
    def on_predict_batch_begin(self, batch, logs=None): pass
    def on_predict_batch_end(self, batch, logs=None): pass


class CallbackList:
    """Dispatch each event to every callback, in order.

    Batch events are only dispatched to callbacks that override them, which keeps
    the per-batch cost of ``fit`` independent of how many callbacks there are.
    """

    def __init__(self, callbacks, model, params):
        from striate.callbacks.data_parallel_sync import for_this_process  # it subclasses Callback

        callbacks = list(callbacks)
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be striate.callbacks.Callback instances, got {cb!r}")
        # Under data parallelism: printing/file-writing callbacks on process 0 only, plus the sync.
        self.callbacks = for_this_process(callbacks, params.get("mode"))
        for cb in self.callbacks:
            cb.set_model(model)
            cb.set_params(params)

    @staticmethod
    def _with_logs(event, args):
        # Keras always passes logs positionally (``{}`` when there are none), so user
        # functions written as ``f(epoch, logs)`` or ``f(logs)`` (LambdaCallback) work.
        wanted = 2 if ("_epoch_" in event or "_batch_" in event) else 1
        return args + ({},) if len(args) < wanted else args

    def _dispatch(self, event, *args):
        args = self._with_logs(event, args)
        for cb in self.callbacks:
            getattr(cb, event)(*args)

    def _listeners(self, event):
        base = getattr(Callback, event)
        return [getattr(cb, event) for cb in self.callbacks if getattr(getattr(cb, event), "__func__", None) is not base]

    def __getattr__(self, event):
        if not event.startswith("on_"):
            raise AttributeError(event)
        if "_batch_" in event:
            listeners = self._listeners(event)

            def dispatch_batch(*args):
                args = self._with_logs(event, args)
                for fn in listeners:
                    fn(*args)
            self.__dict__[event] = dispatch_batch
            return dispatch_batch
        return lambda *args: self._dispatch(event, *args)
