"""Tickets through the whole path: sandbox webhook → /hooks → queue → `hub worker` → flow → vendors."""

from datetime import timedelta

from decimal import Decimal

import pytest
from sqlmodel import select

from hub.db import session_scope
from hub.models import AuditEntry, Effect


def test_order_status_in_zendesk_is_answered_from_shopify(world):
    ticket = world["zendesk"].ticket("john.mccarthy@example.org", "Where is my order?",
                                  "Hi, my order #1014 still hasn't arrived. Can you check where it is?")
    world.wait_for_events(1)
    world.work()
    [run] = world.runs()
    assert (run.flow, run.state.value) == ("order_status", "resolved"), run.reason
    state = world["zendesk"].state(ticket["id"])
    assert state["status"] == "solved"
    [reply] = world["zendesk"].replies(ticket["id"])
    assert "#1014" in reply and "7023000008029866" in reply  # the Canada Post tracking number
    assert world.hub.audit_log.verify() == []


def test_the_workers_log_lines_name_the_run_and_ticket(world):
    import json

    world["zendesk"].ticket("john.mccarthy@example.org", "Where is my order?", "Hi, where is order #1014?")
    world.wait_for_events(1)
    stderr = world.work()
    [run] = world.runs()
    entries = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    steps = [e for e in entries if e.get("run_id") == run.id]
    assert steps and all(e["ticket_id"] == run.ticket_id and e["flow"] == "order_status" for e in steps)
    assert {e["node"] for e in steps} >= {"find_order", "verify_customer"}
    assert any(e.get("event_id") and e.get("connection_id") for e in entries)


def test_requester_who_is_not_the_customer_learns_nothing_and_is_escalated(world):
    ticket = world["zendesk"].ticket("ada@example.com", "Order status",
                                  "Where is order #1014? Please send me the tracking number.")
    world.wait_for_events(1)
    world.work()
    [run] = world.runs()
    assert run.state.value == "escalated" and "not the email on order" in run.reason
    state = world["zendesk"].state(ticket["id"])
    assert world["zendesk"].replies(ticket["id"]) == []  # nothing was said to the requester
    notes = [c["body"] for c in state["comments"] if not c.get("public")]
    assert notes and "identity verified: no" in notes[-1] and "Suggested next step" in notes[-1]


def test_cancel_happens_once_even_when_the_run_is_worked_twice(world):
    ticket = world["zendesk"].ticket("ada@example.com", "Cancel my order",
                                  "Please cancel order #1001, I ordered the wrong size.")
    world.wait_for_events(1)
    world.work()
    [run] = world.runs()
    assert (run.flow, run.state.value) == ("cancel_order", "resolved"), run.reason
    from hub import inbound

    inbound.schedule(world.hub, run.id)  # a duplicate job for the finished run
    world.work()
    with session_scope(world.hub.engine) as session:
        effects = session.exec(select(Effect).where(Effect.run_id == run.id)).all()
    assert sorted(e.tool for e in effects) == ["shopify.cancel_order", "zendesk.reply", "zendesk.set_status"]
    assert all(e.attempts == 1 for e in effects)
    assert len(world["zendesk"].replies(ticket["id"])) == 1


def test_a_large_refund_waits_for_a_human_and_resumes_when_approved(world):
    from hub.agent import approvals

    world["zendesk"].ticket("ada@example.com", "Refund please",
                         "I want a refund for the whole of order #1026, everything arrived damaged.")
    world.wait_for_events(1)
    world.work()
    [run] = world.runs()
    assert (run.flow, run.state.value) == ("refund", "waiting_approval"), run.reason
    [pending] = approvals.pending(world.hub)
    assert pending["tool"] == "shopify.refund" and Decimal(pending["arguments"]["amount"]) == Decimal("115.50")
    assert "above the automatic limit" in pending["summary"] and pending["run"]["facts"]["verified"]

    approvals.decide(world.hub, pending["id"], approve=True, actor="approver@example.com")
    with pytest.raises(approvals.ApprovalError, match="already approved"):
        approvals.decide(world.hub, pending["id"], approve=False, actor="someone@example.com")
    world.work()
    [run] = world.runs()
    assert run.state.value == "resolved", run.reason
    with session_scope(world.hub.engine) as session:
        [refund] = session.exec(select(Effect).where(Effect.tool == "shopify.refund")).all()
    assert refund.result["idempotency_key"] == refund.key and refund.attempts == 1


def test_a_worker_killed_mid_action_does_not_repeat_the_effect(world, monkeypatch):
    """The vendor cancels the order, then the worker dies before recording it; the next worker
    finds the effect started, calls again with the same key, and the vendor does nothing new."""
    from hub import inbound
    from hub.models import InboundEvent

    class Killed(BaseException):
        pass

    real_call = world.hub.call

    def dies_after_the_vendor_acts(tool_name, *args, **kwargs):
        result = real_call(tool_name, *args, **kwargs)
        if tool_name == "shopify.cancel_order":
            raise Killed()
        return result

    world["zendesk"].ticket("ada@example.com", "Cancel my order", "Please cancel order #1001, wrong size.")
    world.wait_for_events(1)
    with session_scope(world.hub.engine) as session:
        event = session.exec(select(InboundEvent).where(InboundEvent.kind == "ticket.created")).one()
    monkeypatch.setattr(world.hub, "call", dies_after_the_vendor_acts)
    with pytest.raises(Killed):
        inbound.handle_event(world.hub, event.id)
    monkeypatch.setattr(world.hub, "call", real_call)
    with session_scope(world.hub.engine) as session:
        [started] = session.exec(select(Effect).where(Effect.tool == "shopify.cancel_order")).all()
    assert started.state == "started"

    assert inbound.relay_runs(world.hub, stale_after=timedelta(0))  # the dropped run is queued again
    world.work()
    [run] = world.runs()
    assert run.state.value == "resolved", run.reason
    with session_scope(world.hub.engine) as session:
        [effect] = session.exec(select(Effect).where(Effect.tool == "shopify.cancel_order")).all()
    assert effect.state == "done" and effect.attempts == 2 and effect.result["already"] is True
    with session_scope(world.hub.engine) as session:
        kinds = session.exec(select(AuditEntry.kind).where(AuditEntry.run_id == run.id)).all()
    assert "effect.recovering" in kinds


def test_the_resolution_reply_carries_a_survey_link_that_takes_one_answer(world):
    import re

    import requests

    ticket = world["zendesk"].ticket("john.mccarthy@example.org", "Where is my order?", "Where is order #1014 please?")
    world.wait_for_events(1)
    world.work()
    [reply] = world["zendesk"].replies(ticket["id"])
    link = re.search(r"How did we do\? Rate this answer: (\S+)", reply).group(1)
    assert link.startswith(world.url + "/survey/")
    assert "How did we do?" in requests.get(link, timeout=5).text
    assert "Thank you" in requests.post(link, data={"score": "5", "comment": "quick!"}, timeout=5).text
    again = requests.post(link, data={"score": "1"}, timeout=5)
    assert again.status_code == 400 and "already answered" in again.text
    forged = requests.get(world.url + "/survey/not-a-token", timeout=5)
    assert forged.status_code == 400 and "not valid" in forged.text
    with session_scope(world.hub.engine) as session:
        answers = session.exec(select(AuditEntry).where(AuditEntry.kind == "survey.answered")).all()
    assert [(a.data["question"], a.data["score"]) for a in answers] == [("csat", 5)]


def test_a_run_reads_as_a_timeline_of_checked_audit_entries(world):
    from hub.agent.timeline import recent, timeline

    world["zendesk"].ticket("john.mccarthy@example.org", "Where is my order?", "Where is order #1014 please?")
    world.wait_for_events(1)
    world.work()
    [listed] = recent(world.hub)
    run = timeline(world.hub, listed["id"])
    kinds = [step["kind"] for step in run["steps"]]
    assert kinds[0] == "run.started" and "tool.done" in kinds and kinds.count("run.step") >= 6
    assert all(step["intact"] for step in run["steps"])
    assert any(s["summary"].startswith("verify_customer (verify): verified") for s in run["steps"])
    assert {e["tool"] for e in run["effects"]} == {"zendesk.reply", "zendesk.set_status"}
    with session_scope(world.hub.engine) as session:  # someone edits a step after the fact
        entry = session.get(AuditEntry, run["steps"][1]["seq"])
        entry.data = dict(entry.data, outcome="nothing to see here")
        session.add(entry)
    edited = timeline(world.hub, listed["id"])
    assert [s["intact"] for s in edited["steps"]].count(False) == 1
    assert timeline(world.hub, "no-such-run") is None
