"""Inbound Salesforce pushes -> hub events.

Outbound Messages (SOAP) are what a real org sends. They carry no signature, so what can be
checked is checked: the XML is parsed with DTDs and entities refused (defusedxml — the body is
hostile until proven otherwise), the message must name the connected org (``OrganizationId``
against the org id kept for the connection, which arrives here as ``secret``), and the rest is
TLS and Salesforce's IP ranges at the network edge (README). Each ``Notification`` becomes one
event whose id is the Notification Id, which Salesforce keeps across its retries.

The JSON change event (a CaseChangeEvent with the org id added) is emulator-only: Change Data
Capture is subscribed to, never pushed. It is accepted only on sandbox connections, where it
lets the hub's freshness check (``commitTimestamp``) be exercised.
"""

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from hub import payloads
from hub.payloads import malformed
from hub.connectors import Connector
from hub.errors import WebhookRejected
from hub.ingest import Event, NormalizedComment, NormalizedTicket
from hub.signatures import require_fresh

from . import normalize

SOAP = "{http://schemas.xmlsoap.org/soap/envelope/}"
OUTBOUND = "{http://soap.sforce.com/2005/09/outbound}"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
HANDLED = ("Case", "CaseComment")

ACKNOWLEDGEMENT = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
    '<soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">'
    "<Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>"
)


def ingest(connection, request, secret, max_age_seconds):
    body = request.body.lstrip()
    if body.startswith(b"<"):
        return outbound_message(body, secret)
    if body.startswith(b"{"):
        if not Connector.is_sandbox(connection.instance):
            raise malformed("Salesforce pushes Outbound Messages (SOAP XML); JSON change events come only from the sandbox")
        return change_event(body, secret, max_age_seconds)
    raise malformed("expected an Outbound Message (SOAP XML)" if body else "the request body is empty")


def require_org(named, expected):
    """The message must name the connected org (15- and 18-character ids compare equal)."""
    if not expected:
        raise WebhookRejected("the connection holds no Salesforce org id to check messages against: reconnect it")
    if not named:
        raise WebhookRejected("the message names no OrganizationId")
    if named[:15] != expected[:15]:
        raise WebhookRejected(f"the message is from org {named[:15]}, not the connected org")


# -- Outbound Messages ------------------------------------------------------------------------


def outbound_message(body, org_id):
    try:
        envelope = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise malformed(f"refused XML: {type(error).__name__} (Outbound Messages never carry a DTD or entities)")
    except ParseError as error:
        raise malformed(f"the body is not well-formed XML: {error}")
    except (LookupError, ValueError) as error:  # the declaration names an encoding expat cannot read
        raise malformed(f"the XML declares an encoding the hub cannot read ({error}); Salesforce sends UTF-8")
    notifications = envelope.find(f"{SOAP}Body/{OUTBOUND}notifications")
    if envelope.tag != f"{SOAP}Envelope" or notifications is None:
        raise malformed("not an Outbound Message: expected soapenv:Envelope/soapenv:Body/notifications")
    require_org(text(notifications, f"{OUTBOUND}OrganizationId"), org_id)
    events = [notification_event(n) for n in notifications.findall(f"{OUTBOUND}Notification")]
    if not events:
        raise malformed("the Outbound Message holds no Notification")
    return events


def notification_event(notification):
    notification_id = text(notification, f"{OUTBOUND}Id")
    sobject = notification.find(f"{OUTBOUND}sObject")
    if not notification_id or sobject is None:
        raise malformed("a Notification lacks its Id or sObject")
    object_type = (sobject.get(XSI_TYPE) or "").rpartition(":")[2]
    if object_type not in HANDLED:
        raise malformed(f"Outbound Message for sf:{object_type or '?'}: the hub handles {' and '.join(HANDLED)}")
    fields = {child.tag.rpartition("}")[2]: (child.text or "") for child in sobject}
    where = f"the sf:{object_type} in Notification {notification_id[:40]}"
    for key in ("Id", "ParentId", "ContactId", "CaseNumber"):
        payloads.identifier(fields, key, where, required=key == "Id", numbers=False)
    for key in ("ContactEmail", "SuppliedEmail"):
        payloads.email(fields, key, where)
    if len(notification_id) > payloads.MAX_ID_LENGTH:
        raise malformed(f"a Notification Id is longer than {payloads.MAX_ID_LENGTH} characters")
    if object_type == "CaseComment":
        return comment_event(notification_id, fields)
    # An "on create" rule fires before anyone edits the record: nothing modified it since.
    created = fields.get("CreatedDate") and fields.get("CreatedDate") == fields.get("LastModifiedDate")
    return Event(
        event_id=notification_id,
        kind="ticket.created" if created else "ticket.updated",
        ticket=normalize.ticket(fields),
        occurred_at=normalize.when(fields.get("LastModifiedDate")),
        raw=fields,
    )


def comment_event(notification_id, fields):
    if not fields.get("ParentId"):
        raise malformed(f"the sf:CaseComment in Notification {notification_id} has no ParentId")
    return Event(
        event_id=notification_id,
        kind="comment.added",
        # The message carries only CaseComment fields: the case is known by its id alone.
        ticket=NormalizedTicket(remote_id=fields["ParentId"]),
        comment=NormalizedComment(
            body=fields.get("CommentBody", ""),
            public=normalize.truthy(fields.get("IsPublished")),
            remote_id=fields["Id"],
            author=fields.get("CreatedById"),
            # The message names the author's user id only: the connector asks the org whether
            # that user is the case's contact (SalesforceConnector.comment_by_requester).
            from_requester=None,
            created_at=normalize.when(fields.get("CreatedDate")),
            raw=fields,
        ),
        occurred_at=normalize.when(fields.get("CreatedDate")),
        raw=fields,
    )


def text(element, path):
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


# -- emulator-only change events ----------------------------------------------------------------


#: Case fields normalize.ticket reads: text (or null) in a change event, as in the REST API.
CASE_TEXT = ("Subject", "Description", "Status", "Priority", "Origin", "SuppliedName", "Type", "CreatedDate",
             "LastModifiedDate")


def change_event(body, org_id, max_age_seconds):
    message = payloads.json_object(body)
    try:
        data = message["data"]
        payload = data["payload"]
        header = payload["ChangeEventHeader"]
        replay_id = data["event"]["replayId"]
        record_id = header["recordIds"][0]
    except (KeyError, IndexError, TypeError) as error:
        raise malformed(f"not a change event: expected data.payload.ChangeEventHeader with recordIds and "
                        f"data.event.replayId ({type(error).__name__}: {error})")
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise malformed("not a change event: data.payload and its ChangeEventHeader must be objects")
    if not isinstance(record_id, str) or not record_id or len(record_id) > payloads.MAX_ID_LENGTH:
        raise malformed("the change event's recordIds[0] must be a Salesforce id")
    if isinstance(replay_id, bool) or not isinstance(replay_id, (str, int)) or len(str(replay_id)) > 64:
        raise malformed("the change event's data.event.replayId must be text or a whole number")
    require_org(payloads.text(message, "organizationId", "the change event"), org_id)
    committed = require_fresh(header.get("commitTimestamp"), max_age_seconds, header="commitTimestamp")
    entity, change = header.get("entityName"), header.get("changeType")
    if entity != "Case":
        raise malformed(f"change events for {str(entity)[:40]!r} are not handled: only Case")
    kinds = {"CREATE": "ticket.created", "UPDATE": "ticket.updated"}
    if not isinstance(change, str) or change not in kinds:
        # DELETE, UNDELETE and GAP_* events bring nothing the agent could work on.
        return []
    fields = {key: value for key, value in payload.items() if key != "ChangeEventHeader"}
    for key in CASE_TEXT:
        payloads.text(fields, key, "the change event's Case")
    for key in ("CaseNumber", "ContactId"):
        payloads.identifier(fields, key, "the change event's Case", numbers=False)
    for key in ("ContactEmail", "SuppliedEmail"):
        payloads.email(fields, key, "the change event's Case")
    if not isinstance(fields.get("IsClosed"), (bool, str, type(None))):
        raise malformed("the change event's Case.IsClosed must be true or false")
    fields["Id"] = record_id
    return [Event(
        event_id=f"cdc-{replay_id}",
        kind=kinds[header["changeType"]],
        ticket=normalize.ticket(fields),
        occurred_at=committed,
        raw=message,
    )]
