"""Salesforce Case fields -> the hub's ticket model, for REST records and Outbound Messages
alike (SOAP sends every value as text: "true", "2026-11-03T09:15:00.000Z")."""

from datetime import datetime

from hub.ingest import NormalizedTicket
from hub.models import TicketPriority, TicketStatus

# The default Case Status picklist, plus values orgs commonly add.
STATUS = {
    "new": TicketStatus.new,
    "working": TicketStatus.open,
    "escalated": TicketStatus.open,
    "on hold": TicketStatus.on_hold,
    "waiting on customer": TicketStatus.pending,
    "closed": TicketStatus.closed,
}
PRIORITY = {
    "low": TicketPriority.low,
    "medium": TicketPriority.normal,
    "high": TicketPriority.high,
    "critical": TicketPriority.urgent,
    "urgent": TicketPriority.urgent,
}
CHANNEL = {"email": "email", "web": "web", "phone": "phone", "chat": "chat"}


def truthy(value):
    return value is True or str(value).lower() == "true"


def when(value):
    """A Salesforce datetime (REST "+0000" or SOAP "Z" form) as an aware datetime, or None."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def ticket_status(fields):
    status = STATUS.get(str(fields.get("Status") or "").lower())
    if status is None:
        # A custom status: the picklist's IsClosed flag is all the hub can go by.
        status = TicketStatus.closed if truthy(fields.get("IsClosed")) else TicketStatus.open
    return status.value


def ticket(fields):
    """A NormalizedTicket from Case fields (any subset that includes Id)."""
    return NormalizedTicket(
        remote_id=fields["Id"],
        number=fields.get("CaseNumber"),
        subject=fields.get("Subject") or "",
        description=fields.get("Description") or "",
        status=ticket_status(fields),
        priority=PRIORITY.get(str(fields.get("Priority") or "").lower(), TicketPriority.normal).value,
        channel=CHANNEL.get(str(fields.get("Origin") or "").lower(), "web"),
        requester_email=fields.get("ContactEmail") or fields.get("SuppliedEmail"),
        requester_name=fields.get("SuppliedName"),
        requester_remote_id=fields.get("ContactId"),
        tags=[fields["Type"]] if fields.get("Type") else [],
        created_at=when(fields.get("CreatedDate")),
        updated_at=when(fields.get("LastModifiedDate")),
        raw=dict(fields),
    )


def case_summary(record):
    """The small dict tools return for a Case REST record."""
    normalized = ticket(record)
    return {
        "id": record["Id"],
        "number": record.get("CaseNumber"),
        "subject": record.get("Subject"),
        "description": record.get("Description"),
        "status": normalized.status,
        "vendor_status": record.get("Status"),
        "priority": normalized.priority,
        "channel": normalized.channel,
        "requester_email": normalized.requester_email,
        "contact_id": record.get("ContactId"),
        "account_id": record.get("AccountId"),
        "owner_id": record.get("OwnerId"),
        "escalated": truthy(record.get("IsEscalated")),
        "closed": truthy(record.get("IsClosed")),
        "created_at": record.get("CreatedDate"),
        "updated_at": record.get("LastModifiedDate"),
    }
