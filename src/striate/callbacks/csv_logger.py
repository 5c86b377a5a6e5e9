"""CSVLogger: one row of logs per epoch in a CSV file."""

import csv
import os

from striate.callbacks.callback import Callback

__all__ = ["CSVLogger"]


class CSVLogger(Callback):
    """Write ``epoch`` and every log value to ``filename`` after each epoch.

    Args:
        filename: path of the CSV file.
        separator: field separator.
        append: add to an existing file (its header is kept) instead of overwriting.
    """

    rank_zero_only = True  # prints or writes files: process 0 only under data parallelism

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename, self.separator, self.append = os.fspath(filename), separator, append
        self.keys, self.file, self.writer = None, None, None

    def on_train_begin(self, logs=None):
        exists = self.append and os.path.exists(self.filename) and os.path.getsize(self.filename) > 0
        self.keys = None
        if exists:
            with open(self.filename, newline="") as existing:
                header = existing.readline().strip()
            self.keys = header.split(self.separator)[1:] if header else None
        self.file = open(self.filename, "a" if self.append else "w", newline="")
        self.writer = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
        if self.writer is None:
            self.writer = csv.DictWriter(self.file, fieldnames=["epoch"] + self.keys, delimiter=self.separator,
                                         extrasaction="ignore")
            if self.file.tell() == 0:
                self.writer.writeheader()
        self.writer.writerow({"epoch": epoch, **{k: logs.get(k, "NA") for k in self.keys}})
        self.file.flush()

    def on_train_end(self, logs=None):
        if self.file is not None:
            self.file.close()
            self.file = None
