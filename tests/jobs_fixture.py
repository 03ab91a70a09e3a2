"""A job for the worker test: proves a `hub worker` process really ran it."""

from pathlib import Path


def write_marker(path, text):
    Path(path).write_text(text)
    return text
