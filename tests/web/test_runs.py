"""Agent runs as pages and JSON: the list, and one run's timeline with its hash check."""

import pytest


@pytest.fixture
def run_id(web_hub):
    from hub.db import session_scope
    from hub.models import Connection, Run, RunState, Ticket

    with session_scope(web_hub.engine) as session:
        connection = Connection(connector="zendesk", instance="127.0.0.1:1", api_base_url="http://127.0.0.1:1")
        session.add(connection)
        session.flush()
        ticket = Ticket(connection_id=connection.id, remote_id="77", number="77", subject="Where is my order?",
                        requester_email="ada@example.com")
        session.add(ticket)
        session.flush()
        run = Run(ticket_id=ticket.id, flow="order_status", intent="order_status", confidence=0.93,
                  state=RunState.resolved, facts={"verified": True})
        session.add(run)
        session.flush()
        ids = run.id, ticket.id
    web_hub.audit("run.started", {"intent": "order_status", "confidence": 0.93, "flow": "order_status",
                                  "mode": "autonomous"}, run_id=ids[0], ticket_id=ids[1])
    web_hub.audit("run.step", {"node": "answer", "type": "resolve", "outcome": "resolved"},
                  run_id=ids[0], ticket_id=ids[1])
    return ids[0]


def test_analyst_reads_the_list_and_the_timeline(client_as, run_id):
    client = client_as("analyst")
    listing = client.get("/runs").get_data(as_text=True)
    assert "Where is my order?" in listing and f"/runs/{run_id}" in listing
    page = client.get(f"/runs/{run_id}").get_data(as_text=True)
    assert "classified as order_status (0.93) → flow order_status, mode autonomous" in page
    assert "answer (resolve): resolved" in page and 'id="tampered"' not in page
    assert client.get("/runs?state=resolved").status_code == 200
    assert client.get("/runs?state=bogus").status_code == 400
    assert client.get("/runs/nosuchrun").status_code == 404


def test_json_and_a_tampered_entry_shows(client_as, run_id, web_hub):
    from hub.db import session_scope
    from hub.models import AuditEntry
    from sqlmodel import select

    client = client_as("analyst")
    body = client.get(f"/api/runs/{run_id}").get_json()
    assert [s["kind"] for s in body["steps"]] == ["run.started", "run.step"] and all(s["intact"] for s in body["steps"])
    with session_scope(web_hub.engine) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.kind == "run.step")).one()
        entry.data = {"node": "answer", "type": "resolve", "outcome": "refunded 5000 USD"}
        session.add(entry)
    assert 'id="tampered"' in client.get(f"/runs/{run_id}").get_data(as_text=True)
    assert client.get("/api/runs").get_json()["runs"][0]["id"] == run_id
