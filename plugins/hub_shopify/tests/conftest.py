"""Shared fixtures: a served Shopify sandbox, and a hub connected to it through the
conformance harness (hub.testing)."""

import sys
from pathlib import Path

import pytest

from hub_shopify.sandbox import create_sandbox

# The helpers module sits beside this file; put it on the path whatever pytest's import mode.
sys.path.insert(0, str(Path(__file__).parent))
from shopify_support import HUB_SANDBOX_OPTIONS, TODAY  # noqa: E402


@pytest.fixture(scope="module")
def served():
    """``(sandbox, server)`` for one test module; reset before each test by ``shop``."""
    sandbox = create_sandbox(today=TODAY)
    server = sandbox.serve()
    yield sandbox, server
    server.stop()


@pytest.fixture
def shop(served):
    sandbox, server = served
    sandbox.reset()
    return sandbox, server


@pytest.fixture(scope="module")
def connected(hub_harness):
    """``(harness, connection)``: a hub connected to the sandbox by the OAuth dance."""
    harness = hub_harness("shopify", **HUB_SANDBOX_OPTIONS)
    return harness, harness.connect()


@pytest.fixture
def hub_shop(connected):
    """The connected hub with the sandbox's seed restored (tokens and subscriptions kept)."""
    harness, connection = connected
    harness.control("POST", "reset")
    return harness, harness.reload(connection)
