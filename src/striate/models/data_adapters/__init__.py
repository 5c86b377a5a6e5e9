"""Data sources for fit/evaluate/predict beyond in-memory arrays: PyDatasets and generators."""

from striate.models.data_adapters.generator_feed import GeneratorFeed
from striate.models.data_adapters.stream_iterator import (StreamIterator, check_stream_args, closing, is_stream,
                                                          stop_out_of_data, warn_validation_ran_out)
from striate.models.data_adapters.workers import BatchWorkers, WorkerDied

__all__ = ["StreamIterator", "is_stream", "closing", "check_stream_args", "stop_out_of_data", "warn_validation_ran_out",
           "BatchWorkers", "GeneratorFeed", "WorkerDied"]
