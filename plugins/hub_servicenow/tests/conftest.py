"""Fixtures for the ServiceNow connector's own tests: a hub connected to the sandbox."""

import pytest


@pytest.fixture(scope="module")
def harness(hub_harness):
    """hub.testing's harness: the sandbox, a throwaway hub, and the OAuth dance between them."""
    return hub_harness("servicenow")


@pytest.fixture(scope="module")
def connection(harness):
    return harness.connect()


@pytest.fixture
def fresh(harness):
    """The test starts from the seed (tokens and the webhook target survive a reset)."""
    harness.control("POST", "reset")
    return harness
