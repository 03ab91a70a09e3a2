"""pytest plugin (``pytest11`` entry point ``helpdesk_hub``): the conformance marker and fixtures.

It loads in every pytest run of any project that has helpdesk-hub installed, so it imports
nothing but pytest at start-up; the harness (Flask, the hub, the sandbox kit) is imported only
when a fixture is used.
"""

import pytest


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "conformance: a helpdesk-hub connector conformance check (hub.testing.ConnectorConformance)"
    )


def pytest_collection_modifyitems(items):
    # Skips are applied at collection so a skipped check never starts a sandbox; a skip with an
    # empty reason is left to run, and the class's autouse fixture fails it.
    for item in items:
        cls = getattr(item, "cls", None)
        if not getattr(cls, "_hub_conformance", False):
            continue
        names = [item.originalname[len("test_"):]]
        if hasattr(item, "callspec"):
            names.append(item.callspec.params.get("tool_name"))
        skips = cls.skip if isinstance(cls.skip, dict) else {}  # test_skip_entries_are_known reports it
        for name in names:
            reason = skips.get(name) if name else None
            if isinstance(reason, str) and reason.strip():
                item.add_marker(pytest.mark.skip(reason=f"{name}: {reason}"))


@pytest.fixture(scope="class")
def conformance_harness(request, tmp_path_factory):
    """The running harness for a ``ConnectorConformance`` subclass (its class attributes)."""
    from hub.testing.harness import Harness

    cls = request.cls
    if not getattr(cls, "connector_name", None):
        pytest.fail(f"{cls.__name__}: set connector_name to the connector under test")
    directory = tmp_path_factory.mktemp(f"conformance-{cls.connector_name}")
    with Harness(cls.connector_name, directory, cls.sandbox_options) as harness:
        yield harness


@pytest.fixture(scope="module")
def hub_harness(tmp_path_factory):
    """``hub_harness("acme", **sandbox_options)`` starts a harness for a connector's own tests;
    everything it started stops after the module."""
    from hub.testing.harness import Harness

    started = []

    def start(connector_name, **sandbox_options):
        harness = Harness(connector_name, tmp_path_factory.mktemp(f"hub-{connector_name}"), sandbox_options)
        started.append(harness.start())
        return harness

    yield start
    for harness in started:
        harness.stop()
