"""Structured logs: one JSON object a line on stderr, naming the run, ticket and event a line
is about.

The hub sets those ids in a context variable while it works on something (``context``), so
every record logged meanwhile — by the hub, rq, or a library the hub called — carries them,
and ``grep '"run_id": "…"'`` or a log store's filter finds one ticket's story across the web
process and every worker. ``log_format: text`` in settings gives plain lines for a terminal.
"""

import contextvars
import json
import logging
import sys
from contextlib import contextmanager
from datetime import datetime, timezone

_ids = contextvars.ContextVar("hub_log_ids", default={})


@contextmanager
def context(**ids):
    """Within the block, records carry ``ids`` (None values are left out) on top of the outer ones."""
    token = _ids.set({**_ids.get(), **{key: value for key, value in ids.items() if value is not None}})
    try:
        yield
    finally:
        _ids.reset(token)


def current():
    return dict(_ids.get())


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_ids.get(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record):
        line = super().format(record)
        ids = " ".join(f"{key}={value}" for key, value in _ids.get().items())
        return f"{line} [{ids}]" if ids else line


def configure(level="INFO", log_format="json", stream=None):
    """Send every logger's records to ``stream`` (stderr) in ``log_format``; called once by
    ``hub serve`` and ``hub worker``. rq sees the root handler and adds none of its own."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
