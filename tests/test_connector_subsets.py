"""The default config loads with any subset of the connectors (issue #14, item 4).

A flow that calls a tool of a connector that is not loaded is reported in one line naming the
flow and the tool and left out; the other flows load and the hub starts. Each subset runs in
its own process: ``HUB_LOAD_PLUGINS`` is read once per plugin manager.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]


def flow_tools():
    """``{flow name: the connectors its tools belong to}`` for the shipped flows."""
    found = {}
    for path in sorted((REPO / "config" / "flows").glob("*.yaml")):
        flow = yaml.safe_load(path.read_text(encoding="utf-8"))
        found[flow["name"]] = {node["tool"].partition(".")[0] for node in flow["nodes"].values() if node.get("tool")}
    return found


def run(args, plugins, tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
    env.update(HUB_LOAD_PLUGINS=plugins, HUB_DATA_DIR=str(tmp_path / "var"))
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=180, cwd=tmp_path)


@pytest.mark.parametrize("plugins", ["zendesk", "shopify", "servicenow,salesforce"])
def test_flows_check_skips_the_flows_of_connectors_not_loaded(plugins, tmp_path):
    loaded = set(plugins.split(","))
    result = run(["-m", "hub", "flows", "check", "--config-dir", str(REPO / "config")], plugins, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    skipped = [line for line in lines if line.startswith("skipped flow ")]
    ok = {line.split()[1] for line in lines if line.startswith("ok  ") and "translations" not in line}
    expected_skips = {name for name, connectors in flow_tools().items() if connectors - loaded}
    assert expected_skips, "the subset must leave some flow out, or the test proves nothing"
    assert {line.split("'")[1] for line in skipped} == expected_skips
    assert ok == set(flow_tools()) - expected_skips
    for line in skipped:  # one line: the flow, its file, the node, the tool and the missing connector
        flow, tool = line.split("'")[1], line.split(" calls ")[1].split(",")[0]
        assert tool.partition(".")[0] not in loaded and tool.partition(".")[0] in flow_tools()[flow]
        assert f"no connector '{tool.partition('.')[0]}' is loaded" in line


START = """
import os, shutil, sys
from pathlib import Path
import yaml
from hub.app import create_app
from hub.db import upgrade
from hub.runtime import Hub

config = Path("config")
shutil.copytree(sys.argv[1], config)
settings = yaml.safe_load((config / "settings.yaml").read_text())
settings["data_dir"] = str(Path("var").resolve())
(config / "settings.yaml").write_text(yaml.safe_dump(settings))
hub = Hub.load(config, env=dict(os.environ))
upgrade(hub.engine)
answer = create_app(hub).test_client().get("/-/health")
print(sorted(hub.registry.connectors), sorted(hub.agent.flows), answer.get_json()["connectors"])
"""


@pytest.mark.parametrize("plugins", ["zendesk", "servicenow,salesforce"])
def test_the_hub_starts_with_a_subset_of_connectors(plugins, tmp_path):
    result = run(["-c", START, str(REPO / "config")], plugins, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    connectors, flows, healthy = (eval(part) for part in result.stdout.strip().replace("] [", "]\n[").splitlines())
    loaded = sorted(plugins.split(","))
    assert connectors == loaded and healthy == loaded
    assert flows == sorted(name for name, needs in flow_tools().items() if not needs - set(loaded))
    assert "skipped flow" in result.stderr  # the start-up log says what was left out


def test_a_flow_naming_a_tool_its_loaded_connector_lacks_is_still_an_error(tmp_path):
    # Skipping is for a connector that is not there, never for a typo in a tool of one that is.
    config = tmp_path / "config"
    import shutil

    shutil.copytree(REPO / "config", config)
    path = config / "flows" / "order_status.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("shopify.find_order", "shopify.find_ordr"), encoding="utf-8")
    result = run(["-m", "hub", "flows", "check", "--config-dir", str(config)], "zendesk,shopify", tmp_path)
    assert result.returncode != 0
    assert "unknown tool 'shopify.find_ordr'" in result.stderr
