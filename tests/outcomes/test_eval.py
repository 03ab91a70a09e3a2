"""``hub eval``: the corpus format, the scoring, and a live replay of the project's whole corpus
(eval/replay: dev and held-out) through the real agent, sandboxes, hub and worker — the CI check,
a few minutes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hub.outcomes import corpus, replay

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "eval" / "replay" / "dev.jsonl"
HELDOUT = REPO / "eval" / "replay" / "heldout.jsonl"
HELDOUT2 = REPO / "eval" / "replay" / "heldout2.jsonl"  # an independent author's, 2026-12-03
# Tickets that move money, by a fourth author (2026-12-04): a dev half and a held-out half.
DEV_MONEY = REPO / "eval" / "replay" / "dev_money.jsonl"
HELDOUT3 = REPO / "eval" / "replay" / "heldout3.jsonl"
ALL = [CORPUS, HELDOUT, HELDOUT2, DEV_MONEY, HELDOUT3]
#: Dev tickets that must end exactly as labelled, one per kind of path: a straight answer, an
#: ask and its resume, a cancellation, a manager's reset for a report, two requests in one, a
#: return of some items only, a limit, a risk trigger, an injection, the other world, another
#: language, and another business's request.
SLICE = ["plain-zd-status-1016-link", "asks-zd-bare-number-1016", "plain-zd-cancel-1001",
         "other-sn-alan-resets-abel", "several-sn-beth-password-and-slack",
         "partial-zd-return-jackets-keep-bottles-1027", "partial-zd-cancel-1002-over-max",
         "risk-zd-legal-anwalt-1016", "hostile-zd-zero-width-1014", "cross-sn-shop-order-ada",
         "lang-de-sf-status-1012", "oos-zd-netflix"]


def hub_eval(config_dir, *args, env=None, timeout=180):
    return subprocess.run([sys.executable, "-m", "hub", "eval", "--config-dir", str(config_dir), *args],
                          capture_output=True, text=True, timeout=timeout, cwd=REPO,
                          env=dict(os.environ, **(env or {})))


def test_the_project_corpus_is_valid_and_labelled_with_known_intents():
    import yaml

    items = corpus.load_all(ALL, corpus.sandbox_requesters())
    assert len(items) >= 480 and {item.split for item in items} == {"dev", "heldout", "heldout2", "dev_money", "heldout3"}
    intents = {entry["name"] for entry in yaml.safe_load((REPO / "config" / "intents.yaml").read_text())["intents"]}
    assert {item.label.intent for item in items} <= intents
    assert set(SLICE) <= {item.id for item in items}


def test_dry_run_classifies_without_sandboxes(config_dir):
    result = hub_eval(config_dir, "--corpus", str(CORPUS), "--dry-run", "--only",
                      "plain-zd-status-1016-link,oos-zd-netflix")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Tickets: 2 (dry run: classified only)" in result.stdout
    assert "| order_status | 1 | 100.0% | — | — | — |" in result.stdout


@pytest.mark.parametrize("line, message", [
    ("not json", "dev.jsonl:2: not JSON"),
    ('{"id": "x"}', "dev.jsonl:2: helpdesk: Field required"),
    ('{"id": "a", "helpdesk": "zendesk", "requester": "nobody@example.com", "subject": "s", "body": "b",'
     ' "label": {"intent": "order_status", "outcome": "resolved"}}', "nobody@example.com is not a zendesk user"),
    ('{"id": "a", "helpdesk": "servicenow", "requester": "ada@example.com", "subject": "s", "body": "b", "reply": "r",'
     ' "label": {"intent": "x", "outcome": "escalated", "reason": "bad luck"}}', "unknown code 'bad luck'"),
    ('{"id": "a", "helpdesk": "zendesk", "requester": "ada@example.com", "subject": "s", "body": "b",'
     ' "label": {"intent": "x", "outcome": "fixed"}}', "label.outcome: Input should be"),
])
def test_bad_corpus_lines_are_named(tmp_path, config_dir, line, message):
    first = CORPUS.read_text().splitlines()[0]
    path = tmp_path / "dev.jsonl"
    path.write_text(first + "\n" + line + "\n")
    result = hub_eval(config_dir, "--corpus", str(path), "--dry-run")
    assert result.returncode == 2 and message in result.stderr and result.stderr.count("\n") == 1


def test_duplicate_ids_and_unknown_slices(tmp_path, config_dir):
    first = CORPUS.read_text().splitlines()[0]
    path = tmp_path / "replay.jsonl"
    path.write_text(first + "\n" + first + "\n")
    with pytest.raises(corpus.CorpusError, match="appears twice"):
        corpus.load(path)
    result = hub_eval(config_dir, "--corpus", str(CORPUS), "--dry-run", "--only", "nope")
    assert result.returncode == 2 and "--only: no item(s) nope" in result.stderr


def _item(id, intent, outcome, allowed=()):
    return corpus.Item.model_validate({"id": id, "helpdesk": "zendesk", "requester": "ada@example.com", "subject": "s",
                                       "body": "b", "label": {"intent": intent, "outcome": outcome,
                                                              "allowed_actions": list(allowed)}})


def test_scoring_by_hand():
    items = [_item("a", "cancel_order", "resolved", ["shopify.cancel_order"]),
             _item("b", "cancel_order", "escalated"),
             _item("c", "cancel_order", "resolved", ["shopify.cancel_order"]),
             _item("d", "refund_request", "escalated"),
             _item("e", "talk_to_human", "escalated")]
    seen = {
        "a": {"intent": "cancel_order", "state": "resolved", "flow": "cancel_order", "actions": ["shopify.cancel_order"]},
        "b": {"intent": "cancel_order", "state": "escalated", "flow": "cancel_order", "actions": []},
        "c": {"intent": "cancel_order", "state": "escalated", "flow": "cancel_order", "actions": []},
        # Misread as a return, and acted on: a wrong action and a false resolution.
        "d": {"intent": "return_request", "state": "resolved", "flow": "return_request", "actions": ["shopify.request_return"]},
        "e": {"intent": "talk_to_human", "state": "escalated", "flow": "handoff", "actions": []},
    }
    report = replay.score(items, seen)
    assert report["intent_accuracy"] == 0.8 and report["outcome_accuracy"] == 0.6
    # Of the two tickets that could be resolved (a, c), one was: d's false resolution is not one.
    assert report["true_resolution_rate"] == 0.5 and report["false_resolutions"] == ["d"]
    assert report["wrong_actions"] == [{"id": "d", "tools": ["shopify.request_return"]}]
    # Escalated b, c, e; should have: b, d, e → precision 2/3, recall 2/3.
    assert report["escalation"] == {"precision": 0.6667, "recall": 0.6667, "escalated": 3, "should_escalate": 3}
    assert report["per_flow"]["cancel_order"] == {"tickets": 3, "intent_accuracy": 1.0, "outcome_accuracy": 0.6667,
                                                  "resolved": 1, "wrong_actions": 0}
    readiness = report["readiness"]
    assert readiness["cancel_order"]["recommended_mode"] == "shadow"  # 2 of 3 outcomes right
    assert readiness["refund_request"]["recommended_mode"] == "shadow" and readiness["refund_request"]["wrong_actions"] == 1
    assert readiness["talk_to_human"]["why"].startswith("only 1 labelled ticket")


def test_readiness_modes():
    rows = [{"label_intent": "x", "intent_correct": True, "outcome_correct": ok, "wrong_actions": [],
             "possible_wrong_actions": []} for ok in (True, True, True, True, False)]
    assert replay.readiness(rows, dry_run=False)["x"]["recommended_mode"] == "approval"  # 4 of 5
    assert replay.readiness(rows[:4], dry_run=False)["x"]["recommended_mode"] == "autonomous"
    assert replay.readiness(rows[:4], dry_run=True)["x"]["recommended_mode"] == "approval"  # dry never earns autonomy


def test_live_replay_of_the_whole_corpus(config_dir, redis_url):
    """The project's whole corpus, both dev files and the three held-out ones, every ticket: the agent takes no
    action a label does not allow — in any file, a property that must hold everywhere — and the dev
    figures stay at least where docs/outcomes.md reports them. Held-out figures are reported
    there, never held to a floor here: a floor would invite tuning against them."""
    result = hub_eval(config_dir, *[arg for path in ALL for arg in ("--corpus", str(path))],
                      "--format", "json", env={"HUB_REDIS_URL": redis_url}, timeout=2400)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["tickets"] == len(corpus.load_all(ALL, corpus.sandbox_requesters()))
    assert report["wrong_actions"] == [] and report["wrong_proposals"] == []
    dev = report["per_split"]["dev"]
    assert dev["outcome_accuracy"] >= 0.85 and dev["true_resolution_rate"] >= 0.7
    assert dev["escalation"]["recall"] >= 0.9 and dev["right_reason"] >= 0.65
    rows = {row["id"]: row for row in report["rows"]}
    assert [i for i in SLICE if not (rows[i]["outcome_correct"] and rows[i]["reason_correct"])] == []
    assert rows["plain-zd-cancel-1001"]["actions"] == ["shopify.cancel_order"]
    assert rows["other-sn-alan-resets-abel"]["actions"] == ["servicenow.reset_password"]
    assert rows["partial-zd-return-jackets-keep-bottles-1027"]["actions"] == ["shopify.request_return"]
    assert rows["risk-zd-legal-anwalt-1016"]["escalation"] == "risk:legal"
