"""zenpy, Zendesk's popular Python client, against the sandbox: if zenpy is happy, the
sandbox's paths, envelopes, pagination links, status codes and rate-limit answers are close
enough to Zendesk's for the connector's tests to mean something."""

import pytest
import requests
from zenpy import Zenpy
from zenpy.lib.api_objects import Comment, Ticket, TicketAudit, User
from zenpy.lib.exception import APIException, RecordNotFoundException


@pytest.fixture
def requests_seen():
    return []


@pytest.fixture
def zenpy(fresh, connection, monkeypatch, requests_seen):
    """A Zenpy client with the hub's OAuth token, redirected to the sandbox by zenpy's own
    environment switches; every response it receives is recorded."""
    monkeypatch.setenv("ZENPY_FORCE_SCHEME", "http")
    monkeypatch.setenv("ZENPY_FORCE_NETLOC", f"127.0.0.1:{fresh.server.port}")
    token, _ = fresh.token(connection)
    session = requests.Session()
    session.hooks["response"].append(lambda response, *args, **kwargs: requests_seen.append(response))
    return Zenpy(subdomain="brightline", oauth_token=token["access_token"], session=session)


def test_list_tickets_follows_cursor_pages_to_the_end(zenpy, requests_seen):
    tickets = list(zenpy.tickets(cursor_pagination=4))
    assert [t.id for t in tickets] == list(range(101, 116))
    assert all(isinstance(t, Ticket) for t in tickets)
    # 15 tickets at 4 a page: zenpy asked for the first page and followed links.next three times.
    pages = [r for r in requests_seen if "/api/v2/tickets" in r.url]
    assert len(pages) == 4
    assert all("page%5Bafter%5D" in r.url for r in pages[1:])
    assert pages[-1].json()["meta"]["has_more"] is False


def test_show_ticket_and_its_requester(zenpy):
    ticket = zenpy.tickets(id=104)
    assert ticket.subject == "Password reset link has expired"
    assert ticket.requester.email == "liam.obrien@example.com"  # zenpy fetches /users/{id}
    comments = list(zenpy.tickets.comments(ticket=104))
    assert comments and isinstance(comments[0], Comment)
    assert "password reset" in comments[0].body


def test_unknown_ticket_is_record_not_found(zenpy):
    with pytest.raises(RecordNotFoundException):
        zenpy.tickets(id=999)


def test_create_ticket_returns_ticket_and_audit(zenpy, requests_seen, fresh):
    audit = zenpy.tickets.create(Ticket(
        subject="Wrong colour delivered",
        comment=Comment(body="I ordered the sage green throw and got the grey one (order #1055)."),
        requester=User(name="Maya Chen", email="maya.chen@example.com"),
        priority="normal",
        tags=["wrong_item"],
    ))
    assert isinstance(audit, TicketAudit)
    created = audit.ticket
    assert created.id == 116 and created.status == "new" and created.requester_id == 372000001001
    answer = requests_seen[-1]
    assert answer.status_code == 201
    assert answer.headers["Location"].endswith("/api/v2/tickets/116.json")
    assert fresh.vendor_state("ticket", "116")["tags"] == ["wrong_item"]


def test_update_with_comment(zenpy, fresh):
    ticket = zenpy.tickets(id=103)
    ticket.comment = Comment(body="Here is your prepaid return label for the jacket.", public=True)
    ticket.status = "pending"
    audit = zenpy.tickets.update(ticket)
    assert isinstance(audit, TicketAudit)
    assert audit.ticket.status == "pending"
    state = fresh.vendor_state("ticket", "103")
    assert state["status"] == "pending"
    assert state["comments"][-1]["body"] == "Here is your prepaid return label for the jacket."
    assert state["comments"][-1]["public"] is True


def test_invalid_update_is_refused_with_zendesk_error(zenpy):
    ticket = zenpy.tickets(id=115)  # closed tickets cannot change
    ticket.status = "open"
    with pytest.raises(APIException) as error:
        zenpy.tickets.update(ticket)
    assert "RecordInvalid" in str(error.value) and "closed prevents ticket update" in str(error.value)


def test_search_users_by_email(zenpy):
    users = list(zenpy.users.search(query="tomas.alvarez@example.com"))
    assert [(u.name, u.verified) for u in users] == [("Tomás Alvarez", True)]


def test_unified_search_for_a_requesters_open_tickets(zenpy):
    results = list(zenpy.search(type="ticket", requester="maya.chen@example.com", status_less_than="solved"))
    assert sorted(t.id for t in results) == [101, 106, 114]


def test_groups(zenpy):
    assert [g.name for g in zenpy.groups()] == ["Support", "Tier 2", "Billing", "IT Service Desk"]


def test_help_center_articles(zenpy):
    articles = list(zenpy.help_center.articles())
    assert len(articles) == 10
    assert {"Refund timelines", "Reset your password"} <= {a.title for a in articles}


def test_rate_limit_answer_is_retried_by_zenpy(zenpy, fresh, requests_seen):
    fresh.faults(rate_limit=1, retry_after=1)
    assert next(g.name for g in zenpy.groups()) == "Support"
    assert [r.status_code for r in requests_seen] == [429, 200]
    assert requests_seen[0].headers["Retry-After"] == "1"
    assert "X-Rate-Limit-Remaining" in requests_seen[1].headers


def test_users_me_is_the_tokens_user(zenpy):
    me = zenpy.users.me()
    assert isinstance(me, User)
    assert (me.id, me.email, me.role) == (372000000101, "priya.natarajan@brightline.example", "admin")


def test_list_tickets_sorted_as_asked(zenpy, api):
    newest_first = [t.created_at for t in zenpy.tickets(sort_by="created_at", sort_order="desc")]
    assert len(newest_first) == 15 and newest_first == sorted(newest_first, reverse=True)
    by_cursor = api("GET", "/api/v2/tickets.json", params={"page[size]": 100, "sort": "-updated_at"}).json()
    stamps = [t["updated_at"] for t in by_cursor["tickets"]]
    assert stamps == sorted(stamps, reverse=True)
    refused = api("GET", "/api/v2/tickets.json", params={"sort_by": "satisfaction"})
    assert refused.status_code == 400 and refused.json()["error"] == "InvalidPaginationParameter"
