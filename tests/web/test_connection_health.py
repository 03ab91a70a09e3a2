"""Connection health on the setup pages: last webhook and poll, recent errors, token expiry and
the webhook URL, read from the inbound events, the poll cursor and the token store."""

from datetime import datetime, timedelta, timezone

import pytest


@pytest.fixture
def watched(web_hub):
    """A Zendesk connection with a token, a poll cursor (the last poll began ten minutes ago; the
    cursor is kept 30 s before) and a week of inbound events: two fine,
    one retrying with its reason, one that failed nine days ago (outside "recent")."""
    from hub.db import session_scope
    from hub.models import Connection, ConnectionStatus, InboundEvent
    from hub.tokens import TokenStore

    now = datetime.now(timezone.utc)
    with session_scope(web_hub.engine) as session:
        connection = Connection(connector="zendesk", instance="acme", api_base_url="http://127.0.0.1:1",
                                status=ConnectionStatus.connected,
                                settings={"poll_since": (now - timedelta(minutes=10, seconds=40)).isoformat()})
        quiet = Connection(connector="zendesk", instance="quiet", api_base_url="http://127.0.0.1:2")
        session.add_all([connection, quiet])
        session.flush()
        for n, (state, ago, error) in enumerate([("done", timedelta(hours=5), None),
                                                 ("done", timedelta(minutes=3), None),
                                                 ("retrying", timedelta(hours=1), "ServerError from the vendor: 503"),
                                                 ("failed", timedelta(days=9), "old trouble")]):
            session.add(InboundEvent(connection_id=connection.id, event_id=f"e{n}", kind="ticket.created",
                                     ticket_remote_id=str(n), state=state, error=error, received_at=now - ago))
        ids = connection.id, quiet.id
    TokenStore(web_hub.engine, web_hub.box, ids[0]).save(
        {"access_token": "a", "refresh_token": "r", "expires_at": (now + timedelta(hours=2)).timestamp()}, 0)
    return ids


def test_the_connectors_list_shows_last_webhook_and_recent_errors(client_as, watched):
    page = client_as("admin").get("/connectors").get_data(as_text=True)
    busy, quiet = watched
    row = page[page.index(f'id="row-{busy}"'):]
    row = row[:row.index("</tr>")]
    assert "3 min ago" in row and '<td class="errors troubled">1</td>' in row
    row = page[page.index(f'id="row-{quiet}"'):]
    row = row[:row.index("</tr>")]
    assert "never" in row and '<td class="errors">0</td>' in row


def test_the_connection_page_shows_its_health(client_as, watched, web_hub):
    busy, _ = watched
    page = client_as("admin").get(f"/connections/{busy}").get_data(as_text=True)
    assert 'id="health"' in page
    assert "3 min ago" in page and "10 min ago" in page                 # last webhook, last poll
    assert "ServerError from the vendor: 503" in page and "old trouble" not in page
    assert "in 1 h 59 min" in page or "in 2 h" in page                  # the token's expiry
    assert f"/hooks/zendesk/{busy}" in page                             # the webhook URL


def test_ago_and_ahead_read_like_a_person_says_them():
    from hub.web.health import relative

    now = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)
    assert relative(None, now) == "never"
    assert relative(now - timedelta(seconds=30), now) == "just now"
    assert relative(now - timedelta(minutes=3), now) == "3 min ago"
    assert relative(now - timedelta(hours=5, minutes=2), now) == "5 h 2 min ago"
    assert relative(now - timedelta(days=3), now) == "3 days ago"
    assert relative(now + timedelta(hours=2), now) == "in 2 h"
