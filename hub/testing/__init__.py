"""Test helpers for connector authors: the conformance suite and the sandbox harness.

``from hub.testing import ConnectorConformance``. Names are imported on first use because the
pytest plugin (``hub.testing.plugin``) loads this package in every pytest run.
"""

__all__ = ["ConnectorConformance", "Harness", "HarnessError"]

_HOMES = {"ConnectorConformance": "conformance", "Harness": "harness", "HarnessError": "harness"}


def __getattr__(name):
    if name not in _HOMES:
        raise AttributeError(f"module 'hub.testing' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
