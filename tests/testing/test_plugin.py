"""The pytest plugin loads in every pytest run: it must stay light and register its marker."""

import subprocess
import sys

HEAVY = ("flask", "requests", "sqlalchemy", "bs4", "copier", "hub.runtime", "hub.sandbox", "hub.testing.harness")


def test_plugin_imports_nothing_heavy():
    probe = f"import sys, hub.testing.plugin; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []


def test_plugin_is_the_pytest11_entry_point():
    from importlib.metadata import entry_points

    (entry,) = [ep for ep in entry_points(group="pytest11") if ep.name == "helpdesk_hub"]
    assert entry.value == "hub.testing.plugin"


def test_conformance_marker_is_registered(pytestconfig):
    assert any(line.startswith("conformance:") for line in pytestconfig.getini("markers"))


def test_package_exports_the_suite_lazily():
    import hub.testing

    assert hub.testing.ConnectorConformance.__name__ == "ConnectorConformance"
    assert "test_webhook_tampered_rejected" in dir(hub.testing.ConnectorConformance)
