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
