"""Plugin discovery: entry points, the two switches, and broken plugins reported, not fatal."""

import json
import subprocess
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from hub import plugins
from hub.errors import ConfigError
from hub.plugins import load_plugins, pm
from hub.runtime import Hub

FIXTURES = Path(__file__).parent / "fixtures"


def run_hub(*args, env=None):
    return subprocess.run([sys.executable, "-m", "hub", *args], capture_output=True, text=True, env=env)


@pytest.fixture(scope="module")
def throwaway_installed():
    """Really install a tiny distribution with `hub install`, and remove it with `hub uninstall`."""
    installed = run_hub("install", str(FIXTURES / "throwaway_plugin"))
    assert installed.returncode == 0, installed.stderr
    try:
        yield
    finally:
        removed = run_hub("uninstall", "-y", "hub-throwaway-plugin")
        assert removed.returncode == 0, removed.stderr


def test_installed_plugin_is_discovered_through_its_entry_point(throwaway_installed, config_dir):
    result = run_hub("plugins", "--config-dir", str(config_dir))
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["throwaway"]["distribution"] == "hub-throwaway-plugin"
    assert rows["throwaway"]["version"] == "0.0.1"
    assert rows["throwaway"]["connectors"] == ["throwaway"]
    assert rows["throwaway"]["hooks"] == ["register_connectors"]
    assert rows["throwaway"]["scopes"] == ["read"]


def test_load_plugins_switch_limits_and_rejects_unknown(throwaway_installed, config_dir):
    import os

    env = dict(os.environ, HUB_LOAD_PLUGINS="throwaway")
    rows = json.loads(run_hub("plugins", "--config-dir", str(config_dir), env=env).stdout)
    assert [row["name"] for row in rows] == ["throwaway"]

    env["HUB_LOAD_PLUGINS"] = "throwaway,nonesuch"
    result = run_hub("plugins", "--config-dir", str(config_dir), env=env)
    assert result.returncode == 2
    assert result.stderr.startswith("hub: error: HUB_LOAD_PLUGINS: no installed plugin named nonesuch (installed: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_trace_switch_prints_hook_calls(throwaway_installed, config_dir):
    import os

    env = dict(os.environ, HUB_LOAD_PLUGINS="throwaway", HUB_TRACE_PLUGINS="1")
    result = run_hub("plugins", "--config-dir", str(config_dir), env=env)
    assert "hub: calling register_connectors(register) on [" in result.stderr


@pytest.fixture
def broken_entry_points(monkeypatch):
    monkeypatch.syspath_prepend(str(FIXTURES / "broken_plugins"))
    fake = {
        name: EntryPoint(name=name, value=name, group="helpdesk_hub")
        for name in ("raises_on_import", "no_such_hook", "raises_in_hook")
    }
    monkeypatch.setattr(plugins, "_entry_points", lambda: fake)
    yield
    for name in fake:
        plugins.broken.pop(name, None)
        if pm.get_plugin(name) is not None:
            pm.unregister(name=name)


def test_broken_plugins_are_reported_not_fatal(broken_entry_points, config_dir):
    hub = Hub.load(config_dir, env={"HUB_LOAD_PLUGINS": "raises_on_import,no_such_hook,raises_in_hook"})
    problems = hub.broken_plugins
    assert problems["raises_on_import"] == [
        "failed to import raises_on_import: RuntimeError: this plugin is broken on purpose"]
    assert problems["no_such_hook"] == ["implements hook(s) with no spec: register_widgets"]
    assert problems["raises_in_hook"] == ["register_connectors raised ValueError: cannot reach the licence server"]
    assert pm.get_plugin("no_such_hook") is None

    from hub.app import create_app
    from hub.introspect import plugins_info

    health = create_app(hub).test_client().get("/-/health").get_json()
    assert health["broken_plugins"] == problems
    assert health["status"] in ("degraded", "down")
    rows = {row["name"]: row for row in plugins_info(hub)}
    assert rows["raises_in_hook"]["problems"] == problems["raises_in_hook"]


def test_unknown_name_in_load_switch_is_a_config_error():
    with pytest.raises(ConfigError, match="HUB_LOAD_PLUGINS: no installed plugin named nope"):
        load_plugins({"HUB_LOAD_PLUGINS": "nope"})
