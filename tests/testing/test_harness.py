"""The harness names what is wrong when a connector cannot be started."""

from types import SimpleNamespace

import pytest

from hub.testing.harness import Harness, HarnessError, load_sandbox_factory


def test_a_connector_that_is_not_installed_is_named(tmp_path):
    harness = Harness("nosuchdesk", tmp_path)
    with pytest.raises(HarnessError, match=r"no connector named 'nosuchdesk' is registered.*pip install -e \."):
        harness.start()
    assert harness.receiver is None, "the receiver must be stopped when start() fails"


@pytest.mark.parametrize("where, problem", [
    (None, "must be 'module:callable'"),
    ("hub_nosuch.sandbox", "must be 'module:callable'"),
    ("hub_nosuch.sandbox:create_sandbox", "cannot load its sandbox"),
    ("hub.sandbox:missing_factory", "cannot load its sandbox"),
    ("hub.testing.harness:TLS_DIRECTORY", "is not callable"),
])
def test_a_bad_sandbox_reference_is_named(where, problem):
    with pytest.raises(HarnessError, match=problem):
        load_sandbox_factory(SimpleNamespace(name="acme", sandbox=where))


def test_the_factory_is_what_the_connector_names():
    from hub.sandbox import serve_app

    assert load_sandbox_factory(SimpleNamespace(name="acme", sandbox="hub.sandbox:serve_app")) is serve_app
