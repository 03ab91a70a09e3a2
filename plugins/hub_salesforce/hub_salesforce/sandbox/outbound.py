"""Push from the sandbox org: Outbound Messages (SOAP), and a JSON change event (emulator-only).

An Outbound Message is what a Flow or Workflow "Outbound Message" action POSTs: a SOAP
``notifications`` envelope naming the org, the action and the session-less endpoint URLs,
with one ``Notification`` per changed record carrying the fields the admin selected. It is
not signed; the receiver answers ``<Ack>true</Ack>`` or Salesforce retries.

The JSON change event mimics a Change Data Capture ``CaseChangeEvent`` as a CometD client
would receive it, plus an ``organizationId`` so the hub can check it the same way. Real CDC
is pulled over the Pub/Sub API, never pushed: this exists only so the sandbox can exercise a
timestamped event (``commitTimestamp``) and the hub's freshness check.
"""

import json
import time
import uuid
from xml.sax.saxutils import escape

from . import ids

SOAP_HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}
JSON_HEADERS = {"Content-Type": "application/json"}

#: The fields the sandbox's Outbound Message actions send, per object.
MESSAGE_FIELDS = {
    "Case": ("Id", "CaseNumber", "Subject", "Description", "Status", "Priority", "Origin", "ContactId",
             "AccountId", "SuppliedEmail", "SuppliedName", "OwnerId", "IsEscalated", "CreatedDate",
             "LastModifiedDate"),
    "CaseComment": ("Id", "ParentId", "CommentBody", "IsPublished", "CreatedById", "CreatedDate"),
}


def outbound_message(org, host_url, object_name, records, created=False):
    """The SOAP body (bytes) of one Outbound Message for ``records`` of ``object_name``.

    ``created`` marks the notification as sent by an "on create" rule: the record's
    LastModifiedDate is its CreatedDate, as it was at that moment.
    """
    org_id = org.organization_id
    action_id = org.data["outbound_messages"]["action_ids"][object_name]
    base = host_url.rstrip("/")
    notifications = []
    for record in records:
        values = dict(record)
        if created:
            values["LastModifiedDate"] = values.get("CreatedDate")
        fields = "".join(
            f"<sf:{name}>{_xml_value(values[name])}</sf:{name}>"
            for name in MESSAGE_FIELDS[object_name] if values.get(name) is not None
        )
        notifications.append(
            f"<Notification><Id>{ids.new_id('04l')}</Id>"
            f'<sObject xsi:type="sf:{object_name}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
            f"{fields}</sObject></Notification>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<soapenv:Body>"
        '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
        f"<OrganizationId>{org_id}</OrganizationId>"
        f"<ActionId>{action_id}</ActionId>"
        '<SessionId xsi:nil="true"/>'
        f"<EnterpriseUrl>{base}/services/Soap/c/67.0/{org_id[:15]}</EnterpriseUrl>"
        f"<PartnerUrl>{base}/services/Soap/u/67.0/{org_id[:15]}</PartnerUrl>"
        + "".join(notifications)
        + "</notifications></soapenv:Body></soapenv:Envelope>"
    ).encode("utf-8")


def change_event(org, case, change_type, age_seconds=0, replay_id=None):
    """A CaseChangeEvent as JSON bytes, committed ``age_seconds`` ago."""
    committed_ms = int((time.time() - age_seconds) * 1000)
    changed = [name for name in MESSAGE_FIELDS["Case"] if name != "Id" and case.get(name) is not None]
    payload = {
        "ChangeEventHeader": {
            "entityName": "Case",
            "recordIds": [case["Id"]],
            "changeType": change_type,
            "changeOrigin": "com/salesforce/api/rest/67.0;client=sandbox",
            "transactionKey": str(uuid.uuid4()),
            "sequenceNumber": 1,
            "commitTimestamp": committed_ms,
            "commitNumber": committed_ms * 1000,
            "commitUser": org.api_user_id,
            "changedFields": changed if change_type == "UPDATE" else [],
        },
        **{name: case[name] for name in changed},
    }
    event = {
        "organizationId": org.organization_id,
        "channel": "/data/CaseChangeEvent",
        "data": {
            "schema": "sandbox-CaseChangeEvent",
            "payload": payload,
            "event": {"replayId": replay_id if replay_id is not None else committed_ms},
        },
    }
    return json.dumps(event).encode("utf-8")


def _xml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))
