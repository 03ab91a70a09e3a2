"""The approvals page and JSON API over hub.agent.approvals, with rows made directly."""

import pytest

from web_helpers import csrf_of


@pytest.fixture
def approval(web_hub):
    from hub.db import session_scope
    from hub.models import Approval, Connection, Run, RunState, Ticket

    with session_scope(web_hub.engine) as session:
        connection = Connection(connector="zendesk", instance="127.0.0.1:1", api_base_url="http://127.0.0.1:1")
        session.add(connection)
        session.flush()
        ticket = Ticket(connection_id=connection.id, remote_id="42", subject="Refund my order", number="42")
        session.add(ticket)
        session.flush()
        run = Run(ticket_id=ticket.id, flow="refund", intent="refund_request", confidence=0.87,
                  state=RunState.waiting_approval, facts={"order": "1001", "amount": "19.99"})
        session.add(run)
        session.flush()
        row = Approval(run_id=run.id, node="refund", tool="shopify.refund_order",
                       arguments={"order_id": "1001", "amount": "19.99"}, summary="Refund order 1001",
                       confidence=0.87)
        session.add(row)
    return row


@pytest.fixture
def queued(web_hub):
    """The run ids hub.inbound.schedule put on this test's own rq queue (real Redis)."""
    from hub import inbound

    return lambda: [job.args[0] for job in inbound.queue(web_hub).jobs]


def test_approver_sees_and_approves(client_as, approval, queued, web_hub):
    client = client_as("approver")
    page = client.get("/approvals").get_data(as_text=True)
    assert "shopify.refund_order" in page and "0.87" in page and "1001" in page and "19.99" in page
    response = client.post(f"/approvals/{approval.id}",
                           data={"decision": "approve", "note": "ok", "csrf_token": csrf_of(page)})
    assert response.status_code == 302
    assert queued() == [approval.run_id]
    from hub.agent import approvals

    decided = approvals.get(web_hub, approval.id)
    assert decided["state"] == "approved" and decided["decided_by"] == "approver@example.com"
    assert "Nothing is waiting" in client.get("/approvals").get_data(as_text=True)


def test_analyst_cannot_approve(client_as, approval, queued):
    client = client_as("analyst")
    token = csrf_of(client.get("/").get_data(as_text=True))
    assert client.get("/approvals").status_code == 403
    assert client.post(f"/approvals/{approval.id}", data={"decision": "approve", "csrf_token": token}).status_code == 403
    assert queued() == []


def test_json_api_with_a_token(app, web_hub, approval, queued):
    from hub import accounts

    _, secret = accounts.create_token(web_hub, "approver-bot", "approver")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    [item] = client.get("/api/approvals", headers=headers).json["approvals"]
    assert item["tool"] == "shopify.refund_order" and item["run"]["facts"]["order"] == "1001"
    assert client.post(f"/api/approvals/{approval.id}", json={"decision": "maybe"}, headers=headers).status_code == 400
    response = client.post(f"/api/approvals/{approval.id}", json={"decision": "reject"}, headers=headers)
    assert response.json == {"id": approval.id, "state": "rejected"}
    assert client.post(f"/api/approvals/{approval.id}", json={"decision": "approve"}, headers=headers).status_code == 409
    assert client.get("/api/approvals/999999", headers=headers).status_code == 404


def test_session_api_posts_need_the_csrf_header(client_as, approval, queued):
    client = client_as("approver")
    assert client.post(f"/api/approvals/{approval.id}", json={"decision": "approve"}).status_code == 400
    token = csrf_of(client.get("/").get_data(as_text=True))
    response = client.post(f"/api/approvals/{approval.id}", json={"decision": "approve"},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 200


@pytest.fixture
def large_refund(web_hub):
    """A refund flow's approval as the flow leaves it: the whole of order #1026 asked for, above
    the automatic limit; the customer's words on the ticket."""
    from datetime import timedelta

    from hub.db import session_scope
    from hub.models import Approval, Connection, Run, RunState, Ticket, utcnow

    with session_scope(web_hub.engine) as session:
        connection = Connection(connector="zendesk", instance="127.0.0.1:1", api_base_url="http://127.0.0.1:1")
        session.add(connection)
        session.flush()
        ticket = Ticket(connection_id=connection.id, remote_id="9", number="9", subject="Refund please",
                        description="Everything in order #1026 arrived damaged, I want my money back.",
                        requester_email="ada@example.com")
        session.add(ticket)
        session.flush()
        run = Run(ticket_id=ticket.id, flow="refund", intent="refund_request", confidence=0.93,
                  state=RunState.waiting_approval, node="approve_if_large",
                  facts={"asked": {"amount": {"amount": "115.50", "currency": "USD"}, "whole": True},
                         "order": {"name": "#1026"}})
        session.add(run)
        session.flush()
        row = Approval(run_id=run.id, node="approve_if_large", tool="shopify.refund",
                       arguments={"order_id": "1026", "amount": "115.50"}, confidence=0.93,
                       summary="Refund $115.50 on #1026 to ada@example.com (above the automatic limit of 50).",
                       created_at=utcnow() - timedelta(hours=2, minutes=5))
        session.add(row)
    return row


def test_the_queue_shows_what_a_decision_needs_and_not_the_raw_facts(client_as, large_refund):
    page = client_as("approver").get("/approvals").get_data(as_text=True)
    assert "Refund $115.50 on #1026" in page
    assert "Everything in order #1026 arrived damaged" in page           # the customer's words
    assert "115.50 USD" in page and "Approve a lower amount" in page      # the amount, adjustable
    assert "asked.amount | decimal &gt; policy.limits.refund_auto_max" in page and "refund_auto_max is 50" in page
    assert "waiting 2 h 5 min" in page
    assert f'href="/runs/{large_refund.run_id}"' in page and f'href="/api/approvals/{large_refund.id}"' in page
    assert "<pre>" not in page and '"whole"' not in page                  # raw JSON one click away


def test_approve_a_lower_amount(client_as, large_refund, queued, web_hub):
    from hub import audit
    from hub.agent import approvals
    from hub.db import session_scope
    from hub.models import Run

    client = client_as("approver")
    token = csrf_of(client.get("/approvals").get_data(as_text=True))

    def decide(**form):
        return client.post(f"/approvals/{large_refund.id}", data=dict(form, csrf_token=token), follow_redirects=True)

    for amount, why in (("200", "more than the 115.50 USD proposed"), ("abc", "is not an amount"),
                        ("0", "above zero"), ("10.005", "more decimals than the currency")):
        assert why in decide(decision="approve", amount=amount).get_data(as_text=True)
    assert "a rejection pays nothing" in decide(decision="reject", amount="10").get_data(as_text=True)
    assert approvals.get(web_hub, large_refund.id)["state"] == "pending" and queued() == []

    assert "approved for 40,5." in decide(decision="approve", amount="40,5", note="half was fine").get_data(as_text=True)
    with session_scope(web_hub.engine) as session:
        run = session.get(Run, large_refund.run_id)
        assert run.facts["asked"]["amount"] == {"amount": "40.50", "currency": "USD"} and run.state.value == "running"
        assert run.facts["order"] == {"name": "#1026"}
    assert queued() == [large_refund.run_id]
    [entry] = [row for row in audit.export(web_hub.engine) if row["kind"] == "approval.approved"]
    assert entry["data"]["lowered"] == {"amount": "40.50", "proposed": "115.50", "currency": "USD"}
    assert entry["data"]["note"] == "half was fine" and entry["actor"] == "approver@example.com"


def test_an_amount_the_flow_does_not_let_change_is_refused(client_as, approval, web_hub):
    from hub.agent import approvals

    client = client_as("approver")
    page = client.get("/approvals").get_data(as_text=True)
    assert "Approve a lower amount" not in page and "19.99" in page
    response = client.post(f"/approvals/{approval.id}", data={"decision": "approve", "amount": "5",
                                                             "csrf_token": csrf_of(page)}, follow_redirects=True)
    assert "cannot be changed here" in response.get_data(as_text=True)
    assert approvals.get(web_hub, approval.id)["state"] == "pending"


def test_waited_reads_like_a_person_says_it():
    from datetime import datetime, timedelta, timezone

    from hub.web.approvals import waited

    now = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)
    ago = lambda **delta: (now - timedelta(**delta)).replace(tzinfo=None).isoformat()  # noqa: E731 (SQLite: naive)
    assert [waited(ago(seconds=20), now), waited(ago(minutes=4), now), waited(ago(hours=2), now),
            waited(ago(hours=26, minutes=1), now), waited(ago(days=3, hours=1), now)] == \
        ["under a minute", "4 min", "2 h", "26 h 1 min", "3 days"]
