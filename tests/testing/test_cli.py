"""``hub plugin new NAME``: name validation and the rendered layout (the connector spec's)."""

import configparser

import pytest
from click.testing import CliRunner

from hub.testing.cli import plugin, render

LAYOUT = {
    "setup.cfg", "pyproject.toml", "README.md",
    "hub_widget_desk/__init__.py", "hub_widget_desk/plugin.py", "hub_widget_desk/connector.py",
    "hub_widget_desk/tools.py", "hub_widget_desk/ingest.py",
    "hub_widget_desk/sandbox/__init__.py", "hub_widget_desk/sandbox/api.py",
    "hub_widget_desk/sandbox/control.py", "hub_widget_desk/sandbox/events.py",
    "hub_widget_desk/sandbox/seed.yaml",
    "tests/conftest.py", "tests/test_conformance.py", "tests/test_tools.py",
}


def new(*args):
    return CliRunner().invoke(plugin, ["new", *args])


def test_renders_the_spec_layout(tmp_path):
    target = tmp_path / "hub_widget_desk"
    result = new("widget_desk", "--directory", str(target), "--title", "Widget Desk")
    assert result.exit_code == 0, result.output
    assert {str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()} == LAYOUT
    setup = configparser.ConfigParser()
    setup.read(target / "setup.cfg")
    assert setup["metadata"]["name"] == "helpdesk-hub-widget_desk"
    assert setup["options.entry_points"]["helpdesk_hub"].strip() == "widget_desk = hub_widget_desk.plugin"
    assert setup["options.package_data"]["hub_widget_desk"] == "sandbox/*.yaml"
    assert "helpdesk-hub" in setup["options"]["install_requires"]
    connector = (target / "hub_widget_desk/connector.py").read_text()
    assert 'title = "Widget Desk"' in connector and "class WidgetDeskConnector(Connector)" in connector
    assert "X-Widget-Desk-Signature" in (target / "hub_widget_desk/ingest.py").read_text()
    assert "HUB_WIDGET_DESK_CLIENT_ID" in (target / "README.md").read_text()


def test_rejects_names_that_are_not_lowercase_identifiers(tmp_path):
    for bad in ("Acme", "acme-desk", "9acme", "a", "acme desk"):
        result = new(bad, "--directory", str(tmp_path / "x"))
        assert result.exit_code == 2, bad
        assert "not a lowercase identifier" in result.output
    assert not (tmp_path / "x").exists()


def test_refuses_a_directory_that_is_not_empty(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    result = new("acme", "--directory", str(tmp_path))
    assert result.exit_code == 2
    assert "exists and is not empty" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_a_missing_template_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_PLUGIN_TEMPLATE", str(tmp_path / "nowhere"))
    result = new("acme", "--directory", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "no connector template at" in result.output


def test_the_template_itself_refuses_bad_names(tmp_path):
    # `copier copy plugin_template DIR` bypasses the CLI; copier.yml validates the name too.
    with pytest.raises(ValueError, match="must be a lowercase identifier"):
        render("Bad-Name", tmp_path / "out")
    assert not (tmp_path / "out").exists()
