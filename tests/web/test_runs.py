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


@pytest.fixture
def many_runs(web_hub):
    return add_runs(web_hub)


def add_runs(hub):
    """120 runs over two helpdesks: Ada's Zendesk tickets about order #1001, and Bob's ServiceNow
    incidents, one of them resolved; created a minute apart so newest-first is well defined."""
    from datetime import datetime, timedelta, timezone

    from hub.db import session_scope
    from hub.models import Connection, Contact, Run, RunState, Ticket

    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    with session_scope(hub.engine) as session:
        zendesk = Connection(connector="zendesk", instance="acme", api_base_url="http://127.0.0.1:1")
        servicenow = Connection(connector="servicenow", instance="acme.service-now.com", api_base_url="http://127.0.0.1:2")
        session.add_all([zendesk, servicenow])
        session.flush()
        bob = Contact(connection_id=servicenow.id, remote_id="u1", name="Bob Builder", email="bob@example.com")
        session.add(bob)
        session.flush()
        for i in range(120):
            if i % 2:
                ticket = Ticket(connection_id=servicenow.id, remote_id=f"sys{i}", number=f"INC{i:07d}",
                                subject=f"VPN down {i}", requester_email="bob@example.com", requester_id=bob.id)
                facts = {}
            else:
                ticket = Ticket(connection_id=zendesk.id, remote_id=str(i), number=str(i),
                                subject="=HYPERLINK(\"http://evil\")" if i == 0 else f"Refund {i}",
                                requester_email="ada@example.com")
                facts = {"entities": {"order_numbers": ["#1001"]}} if i < 10 else {}
            session.add(ticket)
            session.flush()
            session.add(Run(ticket_id=ticket.id, flow="refund", intent="refund_request", confidence=0.9,
                            state=RunState.resolved if i == 7 else RunState.escalated, facts=facts,
                            created_at=start + timedelta(minutes=i)))
    return 120


def _listed(page):
    import re

    return re.findall(r'<tr id="run-([0-9a-f]+)"', page)


def test_pages_of_fifty_not_a_silent_stop_at_a_hundred(client_as, many_runs):
    client = client_as("analyst")
    first = client.get("/runs").get_data(as_text=True)
    assert len(_listed(first)) == 50 and "120 runs, 1–50 shown" in first and "page 1 of 3" in first
    assert 'href="/runs?page=2"' in first and 'id="prev"' not in first
    last = client.get("/runs?page=3").get_data(as_text=True)
    assert len(_listed(last)) == 20 and "101–120 shown" in last and 'id="next"' not in last
    seen = set(_listed(first)) | set(_listed(client.get("/runs?page=2").get_data(as_text=True))) | set(_listed(last))
    assert len(seen) == 120
    assert "VPN down 119" in first and "Refund 0" not in first  # newest first
    assert client.get("/runs?page=0").status_code == 400 and client.get("/runs?page=x").status_code == 400
    body = client.get("/api/runs?page=2&per_page=100").get_json()
    assert (body["total"], body["pages"], len(body["runs"])) == (120, 2, 20)


def test_search_by_requester_ticket_and_order(client_as, many_runs):
    client = client_as("analyst")

    def total(query):
        return client.get(f"/api/runs?{query}").get_json()["total"]

    assert total("q=ada@") == 60 and total("q=BOB BUILDER") == 60 and total("q=bob@example.com") == 60
    assert total("q=INC0000007") == 1 and total("q=inc0000007") == 1 and total("q=42") == 1
    assert total("q=%231001") == 5 and total("q=1001") == 5   # runs 0, 2, 4, 6, 8 were about #1001
    assert total("q=100") == 1                                 # ticket 100, not order #1001
    assert total("q=%25") == 0                                 # a LIKE wildcard is a character
    newest = client.get("/api/runs?per_page=1").get_json()["runs"][0]["id"]
    assert total(f"q={newest[:8]}") == 1 and total(f"q={newest[:8].upper()}") == 1  # a run by its id
    assert total("state=resolved") == 1 and total("connector=servicenow") == 60
    assert total("connector=servicenow&q=ada") == 0 and total("connector=zendesk&state=escalated&q=1001") == 5
    page = client.get("/runs?connector=servicenow&q=bob").get_data(as_text=True)
    assert "60 runs" in page and "Bob Builder" in page and "servicenow" in page and "ada@example.com" not in page
    assert 'href="/runs.csv?connector=servicenow&amp;q=bob"' in page
    assert 'href="/runs?connector=servicenow&amp;q=bob&amp;page=2"' in page  # paging keeps the filter
    assert "No run matches" in client.get("/runs?q=nobody").get_data(as_text=True)


def test_csv_export_of_the_filtered_list(client_as, many_runs):
    import csv
    import io

    client = client_as("analyst")
    response = client.get("/runs.csv?connector=zendesk&q=1001")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["ticket"] for row in rows] == ["8", "6", "4", "2", "0"]
    assert {row["helpdesk"] for row in rows} == {"zendesk"} and {row["requester"] for row in rows} == {"ada@example.com"}
    assert rows[-1]["subject"].startswith("'=HYPERLINK")  # a spreadsheet shows it, never runs it
    everything = list(csv.DictReader(io.StringIO(client.get("/runs.csv").get_data(as_text=True))))
    assert len(everything) == 120  # not one page: the whole filtered list
    assert client.get("/runs.csv?state=bogus").status_code == 400
