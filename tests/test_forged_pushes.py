"""A push its vendor does not sign (Salesforce's Outbound Messages) is a notification only.

It must come to the connection's hook URL with its secret, and the worker reads the case and
comment it names back from the vendor's API before anything runs: whoever forges a message
can at most make the hub look at a real case, never put words in a customer's mouth. The
sandboxes, the hub's web app and a real `hub worker` process do the work.
"""

import pytest
import requests
from sqlmodel import select

from hub.models import Comment, InboundEvent, Ticket
from hub.testing.world import World

ADA_CASE = "5005g00000S0001AAB"
ADA_COMMENT = "00a5g00000S0001AAB"  # the agent's public answer on Ada's case, in the seed
REAL_SUBJECT = "Charged twice for my November invoice"
FORGED = "Please cancel order #1001, I ordered the wrong size."
ORDER_1001 = 5600000000000 + 1001


@pytest.fixture
def world(tmp_path, redis_url):
    built = World(tmp_path, redis_url, also=["salesforce"])
    try:
        yield built
    finally:
        built.stop()


def sample(world, kind, case_id=ADA_CASE):
    """A message the org would send, built by the sandbox but not sent: ``(body, headers)``."""
    answer = world.control("salesforce", "POST", "webhooks/sample", {"kind": kind, "ticket_id": case_id})
    return answer["body"], answer["headers"]


def hook_url(world):
    return world.hub.webhook_url(world.connections["salesforce"])


def stored(world):
    with world.session() as session:
        return session.exec(select(InboundEvent).order_by(InboundEvent.id)).all()


def created(world):
    """The states of the ticket-created events: what the agent writes on the case comes back
    as comment events of its own (the org notifies on every case comment), which it skips."""
    return [event.state for event in stored(world) if event.kind == "ticket.created"]


def test_the_hook_url_of_a_vendor_that_does_not_sign_needs_the_connection_secret(world):
    body, headers = sample(world, "ticket.created")
    bare = f"{world.url}/hooks/salesforce/{world.connections['salesforce'].id}"
    assert hook_url(world).startswith(bare + "/") and len(hook_url(world)) > len(bare) + 30

    without = requests.post(bare, data=body, headers=headers, timeout=10)
    assert without.status_code == 401 and "does not sign its deliveries" in without.json()["error"]
    wrong = requests.post(bare + "/not-the-secret", data=body, headers=headers, timeout=10)
    assert wrong.status_code == 401
    assert stored(world) == []

    right = requests.post(hook_url(world), data=body, headers=headers, timeout=10)
    assert right.status_code == 200 and "<Ack>true</Ack>" in right.text
    assert len(stored(world)) == 1


def test_a_signed_vendors_hook_url_has_no_secret_path(world):
    url = f"{world.url}/hooks/zendesk/{world.connections['zendesk'].id}/anything"
    assert requests.post(url, data=b"{}", timeout=10).status_code == 404


def test_a_forged_message_naming_a_real_case_runs_on_the_cases_real_text(world):
    body, headers = sample(world, "ticket.created")
    assert REAL_SUBJECT in body
    forged = body.replace(REAL_SUBJECT, "Cancel my order").replace(
        "My card was charged twice for invoice INV-2026-1107. Please refund the duplicate charge of $49.00.", FORGED)
    assert FORGED in forged
    assert requests.post(hook_url(world), data=forged.encode(), headers=headers, timeout=10).status_code == 200
    world.work()

    with world.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.remote_id == ADA_CASE)).one()
    assert ticket.subject == REAL_SUBJECT and FORGED not in ticket.description
    [run] = world.runs()
    assert run.facts["ticket"]["subject"] == REAL_SUBJECT and FORGED not in run.facts["ticket"]["description"]
    assert run.flow != "cancel_order"
    assert world.sandboxes["shopify"].shopify.shop.orders[ORDER_1001]["cancelled_at"] is None
    assert created(world) == ["done"]


def test_a_forged_comment_is_not_taken_for_what_the_customer_wrote(world):
    # A comment the org does not have (the sandbox builds it without storing it).
    body, headers = sample(world, "comment.added")
    assert requests.post(hook_url(world), data=body, headers=headers, timeout=10).status_code == 200
    # A real comment's id with other words in it.
    start, end = body.index("<sObject"), body.index("</sObject>") + len("</sObject>")
    comment = body[start:end]
    forged_id = comment[comment.index("<sf:Id>") + 7:comment.index("</sf:Id>")]
    forged = body.replace(forged_id, ADA_COMMENT).replace("<Id>04l", "<Id>04x")  # another notification id
    assert requests.post(hook_url(world), data=forged.encode(), headers=headers, timeout=10).status_code == 200
    world.work()

    with world.session() as session:
        comments = session.exec(select(Comment)).all()
    assert [(c.remote_id, c.body) for c in comments] == [
        (ADA_COMMENT, "Thanks Ada, we can see the duplicate charge and are looking into it.")]
    assert [event.state for event in stored(world)] == ["done", "done"]


def test_a_vendor_down_while_the_case_is_read_back_delays_the_event_and_loses_nothing(world):
    import time

    body, headers = sample(world, "ticket.created")
    assert requests.post(hook_url(world), data=body, headers=headers, timeout=10).status_code == 200
    world.control("salesforce", "POST", "faults", {"server_error": 1000})  # every API call fails
    world.work()
    [event] = stored(world)
    assert event.state == "retrying" and "VendorUnavailable" in event.error and world.runs() == []
    world.control("salesforce", "DELETE", "faults")
    time.sleep(2.2)  # the first backoff is 2 s
    world.work()
    assert created(world) == ["done"] and all(event.state == "done" for event in stored(world))
    [run] = world.runs()
    assert run.facts["ticket"]["subject"] == REAL_SUBJECT


def test_the_hook_url_survives_a_reconnect_and_not_a_disconnect(world):
    from urllib.parse import parse_qsl, urlsplit

    from hub import connections
    from hub.sandbox import give_consent

    before = hook_url(world)
    connection = world.connections["salesforce"]
    _, url, _ = connections.begin(world.hub, "salesforce", connection.instance, connection.id)
    query = dict(parse_qsl(urlsplit(give_consent(url)).query))
    again = connections.finish(world.hub, query["state"], query.get("code"), query)
    assert world.hub.webhook_url(again) == before  # what the admin entered at Salesforce still works
    connections.disconnect(world.hub, connection.id)
    with world.session() as session:
        from hub.models import Connection

        assert session.get(Connection, connection.id).hook_token_ciphertext is None
