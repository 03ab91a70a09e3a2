"""``hub report`` and ``hub kpis`` through the real command line (click's runner, in process)."""

import csv
import io
import json

import pytest
import yaml
from click.testing import CliRunner

from hub.cli import cli


def hub_cmd(config_dir, *args):
    result = CliRunner().invoke(cli, [*args, "--config-dir", str(config_dir)], env={"HUB_DATABASE_URL": None})
    return result


def test_report_json(story, config_dir):
    result = hub_cmd(config_dir, "report", "--month", "2026-05", "--as-of", "2026-06-20")
    assert result.exit_code == 0, result.output
    statement = json.loads(result.output)
    assert statement["total"] == "4.25" and statement["resolutions"]["billed"] == 3


def test_report_csv_and_timezone(story, config_dir):
    result = hub_cmd(config_dir, "report", "--month", "2026-05", "--format", "csv", "--timezone", "UTC",
                     "--as-of", "2026-06-20T00:00:00+00:00")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert sorted(r["run_id"] for r in rows if r["line"] == "resolution") == ["R1", "R2", "R3", "R5", "R6"]
    assert rows[-1]["line"] == "total"


def test_report_empty_month(story, config_dir):
    result = hub_cmd(config_dir, "report", "--month", "2025-12", "--as-of", "2026-06-20")
    statement = json.loads(result.output)
    assert result.exit_code == 0 and statement["empty"] and statement["total"] == "0.00"


@pytest.mark.parametrize("args, message", [
    (["--month", "2026/05"], "--month must be YYYY-MM"),
    (["--month", "2026-05", "--timezone", "Nowhere/Town"], "is not an IANA time zone"),
    (["--month", "2026-05", "--as-of", "yesterday"], "--as-of must be an ISO date"),
])
def test_report_bad_input_is_one_line(story, config_dir, args, message):
    result = hub_cmd(config_dir, "report", *args)
    assert result.exit_code == 2 and message in result.output and result.output.count("\n") == 1


def test_report_bad_contract(story, config_dir):
    (config_dir / "contract.yaml").write_text(yaml.safe_dump({"currency": "GBP"}))
    result = hub_cmd(config_dir, "report", "--month", "2026-05")
    assert result.exit_code == 2 and "contract.yaml: timezone: Field required" in result.output


def test_kpis_command(story, config_dir):
    result = hub_cmd(config_dir, "kpis", "--from", "2026-05-01", "--to", "2026-06-01", "--connector", "servicenow")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["runs"]["total"] == 2
    result = hub_cmd(config_dir, "kpis", "--from", "2026-06-01", "--to", "2026-05-01")
    assert result.exit_code == 2 and "--to must be after --from" in result.output
