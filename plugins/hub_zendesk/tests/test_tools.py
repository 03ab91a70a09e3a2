"""Lookup tools and requester verification, called through the hub (policy, RBAC, audit)."""

import flask
import pytest
from hub.errors import ConnectorError, NotFound, ToolRefused
from hub.ingest import NormalizedTicket
from hub.sandbox import serve_app


def test_get_ticket_with_public_and_internal_comments(harness, connection):
    result = harness.call("zendesk.get_ticket", connection, {"ticket_id": "105"})
    ticket = result["ticket"]
    assert ticket["subject"] == "Need Figma access for the spring catalogue project"
    assert (ticket["status"], ticket["priority"], ticket["group_id"]) == ("open", "normal", "360000000004")
    assert [(c["author_id"], c["public"]) for c in result["comments"]] == [
        ("372000002001", True), ("372000000103", False)]


def test_hold_is_the_hubs_on_hold(harness, connection):
    assert harness.call("zendesk.get_ticket", connection, {"ticket_id": "114"})["ticket"]["status"] == "on_hold"


def test_unknown_ticket_is_not_found_with_zendesks_message(harness, connection):
    with pytest.raises(NotFound) as error:
        harness.call("zendesk.get_ticket", connection, {"ticket_id": "999"})
    assert error.value.status == 404 and error.value.code == "RecordNotFound"
    assert error.value.message == "Not found"


def test_bad_arguments_are_refused_before_reaching_zendesk(harness, connection):
    with pytest.raises(ToolRefused, match="ticket_id"):
        harness.call("zendesk.get_ticket", connection, {"ticket_id": "101; DROP"})
    with pytest.raises(ToolRefused, match="Additional properties"):
        harness.call("zendesk.find_user", connection, {"email": "maya.chen@example.com", "role": "admin"})


def test_list_tickets_of_one_requester_across_cursor_pages(harness, connection):
    result = harness.call("zendesk.list_tickets", connection,
                          {"requester_email": "Maya.Chen@example.com", "page_size": 2})
    assert [t["id"] for t in result["tickets"]] == ["101", "106", "114"]
    assert (result["pages"], result["truncated"]) == (2, False)
    assert result["requester"]["name"] == "Maya Chen"


def test_list_tickets_stops_at_the_limit(harness, connection):
    result = harness.call("zendesk.list_tickets", connection, {"page_size": 4, "limit": 6})
    assert [t["id"] for t in result["tickets"]] == [str(n) for n in range(101, 107)]
    assert result["truncated"] is True


def test_list_tickets_of_an_unknown_requester_is_empty(harness, connection):
    result = harness.call("zendesk.list_tickets", connection, {"requester_email": "nobody@example.com"})
    assert (result["tickets"], result["count"], result["requester"]) == ([], 0, None)


def test_find_user(harness, connection):
    found = harness.call("zendesk.find_user", connection, {"email": "ingrid.larsen@example.no"})
    assert found["found"] is True
    assert found["user"] == {"id": "372000001006", "name": "Ingrid Larsen", "email": "ingrid.larsen@example.no",
                             "verified": False, "role": "end-user", "phone": None, "organization_id": None}
    assert harness.call("zendesk.find_user", connection, {"email": "nobody@example.com"}) == {"found": False, "user": None}


def test_list_groups(harness, connection):
    groups = harness.call("zendesk.list_groups", connection, {})["groups"]
    assert [g["name"] for g in groups] == ["Support", "Tier 2", "Billing", "IT Service Desk"]
    assert groups[0]["default"] is True


def test_search_articles_ranks_the_relevant_one_first(harness, connection):
    articles = harness.call("zendesk.search_articles", connection,
                            {"query": "my VPN keeps dropping", "limit": 3})["articles"]
    assert articles[0]["title"] == "Set up the VPN"
    assert "<em>" in articles[0]["snippet"]
    assert articles[0]["url"].endswith("/hc/en-us/articles/4410000010-set-up-the-vpn")


def test_list_articles_feeds_the_knowledge_base(harness, connection):
    result = harness.call("zendesk.list_articles", connection, {"page_size": 3})
    assert (result["count"], result["pages"]) == (10, 4)
    refund = next(a for a in result["articles"] if a["title"] == "Refund timelines")
    assert refund["body_html"].startswith("<p>We refund")
    assert set(refund) >= {"id", "title", "url", "body_html", "updated_at"}  # CallableSource's keys


def test_every_call_is_audited(harness, connection):
    from hub.models import AuditEntry
    from sqlmodel import Session, select

    harness.call("zendesk.list_groups", connection, {})
    with Session(harness.hub.engine) as session:
        last = session.exec(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert (last.kind, last.data["tool"]) == ("tool.done", "zendesk.list_groups")


@pytest.mark.parametrize("ticket_id, email, verified", [
    ("102", "tomas.alvarez@example.com", True),
    ("115", "ingrid.larsen@example.no", False),
])
def test_verify_requester(harness, connection, ticket_id, email, verified):
    identity = harness.hub.hook(harness.connector.name, "auth_verify_requester")(
        connector=harness.connector, connection=connection, session=harness.hub.session(connection),
        ticket=NormalizedTicket(remote_id=ticket_id))
    assert (identity.email, identity.verified, identity.source) == (email, verified, "zendesk")


def test_pagination_links_off_the_vendors_host_are_not_followed(harness, connection):
    """The access token travels with every request: a next link pointing elsewhere is refused."""
    app = flask.Flask("lying_vendor")

    @app.get("/api/v2/tickets")
    def tickets():
        return {"tickets": [{"id": 1, "subject": "x", "status": "open"}], "meta": {"has_more": True},
                "links": {"next": "http://203.0.113.9/api/v2/tickets?page%5Bafter%5D=x"}}

    with serve_app(app) as liar:
        session = harness.hub.session(connection)
        session.base_url = f"{liar.url}/api/v2/"
        with pytest.raises(ConnectorError, match="refusing to follow a pagination link"):
            harness.call("zendesk.list_tickets", connection, {}, session=session)


def test_an_answer_that_is_not_json_is_a_connector_error(harness, connection):
    app = flask.Flask("captive_portal")
    app.add_url_rule("/api/v2/groups", "groups", lambda: "<html>Sign in to the Wi-Fi</html>")
    with serve_app(app) as portal:
        session = harness.hub.session(connection)
        session.base_url = f"{portal.url}/api/v2/"
        with pytest.raises(ConnectorError, match="without a JSON object"):
            harness.call("zendesk.list_groups", connection, {}, session=session)
