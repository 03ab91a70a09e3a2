"""Inbound pushes: Outbound Messages checked against the connected org, hostile XML refused,
the emulator-only change event's freshness, and real deliveries from the sandbox's sender."""

import json

import pytest

from hub.db import session_scope
from hub.errors import WebhookRejected
from hub.ingest import InboundRequest
from hub_salesforce.connector import SalesforceConnector

ADA_CASE = "5005g00000S0001AAB"
ORG_ID = "00D5g00000S0001EAB"
OTHER_ORG = "00D5g00000X9999EAB"


def rejected(harness, connection, body, headers=None):
    with pytest.raises(WebhookRejected) as caught:
        harness.ingest(connection, body, headers or {"Content-Type": "text/xml; charset=utf-8"})
    return caught.value


def test_case_message_normalised(harness, connection):
    body, headers = harness.sample_webhook("ticket.created", ADA_CASE)
    assert headers["Content-Type"].startswith("text/xml") and headers["SOAPAction"] == '""'
    [event] = harness.ingest(connection, body, headers)
    assert event.kind == "ticket.created" and event.event_id.startswith("04l")
    ticket = event.ticket
    assert (ticket.remote_id, ticket.number, ticket.status, ticket.priority, ticket.channel) == (
        ADA_CASE, "00001001", "new", "high", "email")
    assert ticket.requester_email == "ada@example.com" and ticket.requester_remote_id.startswith("003")
    assert ticket.subject == "Charged twice for my November invoice"

    [updated] = harness.ingest(connection, *harness.sample_webhook("ticket.updated", ADA_CASE))
    assert updated.kind == "ticket.updated" and updated.event_id != event.event_id


def test_every_notification_becomes_an_event(harness, connection):
    body, headers = harness.sample_webhook("ticket.updated", ADA_CASE)
    start, end = body.index(b"<Notification>"), body.index(b"</Notification>") + len(b"</Notification>")
    notification = body[start:end]
    second = notification.replace(b"<Notification><Id>04l", b"<Notification><Id>04x")
    events = harness.ingest(connection, body[:end] + second + body[end:], headers)
    assert len(events) == 2 and len({e.event_id for e in events}) == 2


def test_comment_message_normalised(harness, connection):
    [event] = harness.ingest(connection, *harness.sample_webhook("comment.added", ADA_CASE))
    assert event.kind == "comment.added" and event.ticket.remote_id == ADA_CASE
    assert event.comment.public is True and event.comment.body.startswith("Any update")
    assert event.comment.remote_id.startswith("00a") and event.comment.author.startswith("005")


def test_forged_or_missing_org_refused(harness, connection):
    body, _ = harness.sample_webhook("ticket.created", ADA_CASE)
    forged = body.replace(ORG_ID.encode(), OTHER_ORG.encode())
    error = rejected(harness, connection, forged)
    assert error.status == 401 and "not the connected org" in error.reason
    anonymous = body.replace(f"<OrganizationId>{ORG_ID}</OrganizationId>".encode(), b"")
    assert rejected(harness, connection, anonymous).status == 401
    # The 15-character form of the connected org's id is the same org.
    short = body.replace(ORG_ID.encode(), ORG_ID[:15].encode())
    assert harness.ingest(connection, short, {})


def test_connection_without_org_id_refuses(harness, connection):
    body, _ = harness.sample_webhook("ticket.created", ADA_CASE)
    with pytest.raises(WebhookRejected, match="no Salesforce org id"):
        harness.hub.hook(harness.connector.name, "ingest_webhook")(
            connector=harness.connector, connection=connection, request=InboundRequest(body=body, headers={}),
            secret=None, max_age_seconds=300)


HOSTILE = {
    "billion laughs": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
                      b"<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
                      b"<soapenv:Body>&lol2;</soapenv:Body></soapenv:Envelope>",
    "external entity": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                       b"<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
                       b"<soapenv:Body>&xxe;</soapenv:Body></soapenv:Envelope>",
    "bare DTD": b'<?xml version="1.0"?><!DOCTYPE soapenv:Envelope SYSTEM "http://127.0.0.1:1/x.dtd">'
                b"<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"/>",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_xml_refused(harness, connection, name):
    error = rejected(harness, connection, HOSTILE[name])
    assert error.status == 400 and "refused XML" in error.reason and "root:" not in error.reason


@pytest.mark.parametrize("body, reason", [
    (b"", "empty"),
    (b"   ", "empty"),
    (b"notifications=1", "expected an Outbound Message"),
    (b"<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'><soapenv:Body>", "not well-formed"),
    (b"<html><body>hi</body></html>", "not an Outbound Message"),
])
def test_malformed_bodies_refused_with_a_reason(harness, connection, body, reason):
    error = rejected(harness, connection, body)
    assert error.status == 400 and reason in error.reason


def test_unhandled_object_and_empty_message_refused(harness, connection):
    body, _ = harness.sample_webhook("ticket.created", ADA_CASE)
    contact = body.replace(b'xsi:type="sf:Case"', b'xsi:type="sf:Contact"')
    assert "sf:Contact" in rejected(harness, connection, contact).reason
    start, end = body.index(b"<Notification>"), body.index(b"</Notification>") + len(b"</Notification>")
    empty = body[:start] + body[end:]
    assert "no Notification" in rejected(harness, connection, empty).reason


def test_change_event_fresh_stale_forged(harness, connection):
    fresh = harness.control("POST", "webhooks/sample", {"kind": "ticket.updated", "ticket_id": ADA_CASE,
                                                         "format": "change_event"})
    [event] = harness.ingest(connection, fresh["body"].encode(), fresh["headers"])
    assert event.kind == "ticket.updated" and event.ticket.remote_id == ADA_CASE and event.event_id.startswith("cdc-")

    stale = harness.control("POST", "webhooks/sample", {"kind": "ticket.created", "ticket_id": ADA_CASE,
                                                         "format": "change_event", "age_seconds": 900})
    error = rejected(harness, connection, stale["body"].encode(), stale["headers"])
    assert error.status == 401 and "commitTimestamp" in error.reason

    forged = json.loads(fresh["body"])
    forged["organizationId"] = OTHER_ORG
    assert rejected(harness, connection, json.dumps(forged).encode()).status == 401

    broken = json.loads(fresh["body"])
    del broken["data"]["payload"]["ChangeEventHeader"]
    assert rejected(harness, connection, json.dumps(broken).encode()).status == 400
    deep = b'{"data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert rejected(harness, connection, deep).status == 400


def test_change_events_refused_on_production_connections(harness, connection):
    fresh = harness.control("POST", "webhooks/sample", {"kind": "ticket.created", "format": "change_event"})
    # A production connection of the same org (a stored row: the hub's receipt reads it by id).
    stored = harness.reload(connection)
    production = type(connection)(**stored.model_dump(exclude={"id", "instance", "api_base_url"}),
                                  instance="northwind",
                                  api_base_url="https://northwind.my.salesforce.com/services/data/v67.0/")
    with session_scope(harness.hub.engine) as session:
        session.add(production)
        session.flush()
        session.expunge(production)
    error = rejected(harness, production, fresh["body"].encode())
    assert error.status == 400 and "only from the sandbox" in error.reason


def test_sandbox_delivers_outbound_messages_to_the_hub(harness, connection):
    """A case created through the API fires the org's "new Case" Outbound Message, which
    the sandbox's sender delivers to the hub's webhook URL, where the hub accepts it."""
    harness.point_webhooks_at(connection)
    seen = len(harness.deliveries)
    session = harness.hub.session(connection)
    created = session.post("sobjects/Case", json={"Subject": "My parcel never arrived", "Origin": "Web"}).json()
    assert harness.sandbox.webhooks.wait_until_idle(timeout=10)
    answered = harness.deliveries[seen:]
    assert [(status, [e.kind for e in events]) for _, status, events in answered] == [(200, ["ticket.created"])]
    assert answered[0][2][0].ticket.remote_id == created["id"]
    [delivery] = harness.control("GET", "deliveries")[-1:]
    assert delivery["headers"]["Content-Type"].startswith("text/xml") and delivery["status"] == "delivered"


def test_acknowledgement_is_a_soap_ack():
    connector = SalesforceConnector()
    body, status, headers = connector.webhook_response(InboundRequest(body=b"<soapenv:Envelope/>", headers={}), [])
    assert status == 200 and headers["Content-Type"].startswith("text/xml")
    assert "<Ack>true</Ack>" in body and "notificationsResponse" in body
