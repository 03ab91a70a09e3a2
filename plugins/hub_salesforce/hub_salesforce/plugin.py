"""The hook implementations of the Salesforce Service Cloud connector: thin on purpose; the work
is in connector.py, tools.py and ingest.py. The hub calls each only about its own connector
(``hub.plugins.owner_caller``)."""

from hub import hookimpl
from hub.tools import Identity

from . import ingest
from .connector import SalesforceConnector
from .tools import RECORD_ID, TOOLS, escalate as escalate_case

CONNECTOR = SalesforceConnector()


@hookimpl
def register_connectors(register):
    register(CONNECTOR)


@hookimpl
def register_tools(register):
    for tool in TOOLS:
        register(tool)


@hookimpl
def ingest_webhook(connector, connection, request, secret, max_age_seconds):
    return ingest.ingest(connection, request, secret, max_age_seconds)


@hookimpl
def auth_provider(connector, instance):
    return CONNECTOR.provider(instance)


@hookimpl
def auth_verify_requester(connector, connection, session, ticket):
    """The case's Contact vouches for the requester; a web-to-case SuppliedEmail does not."""
    if not RECORD_ID.fullmatch(str(ticket.remote_id or "")):
        return Identity(email=None, verified=False, source=f"salesforce: {ticket.remote_id!r} is not a Case id")
    case = session.get(f"sobjects/Case/{ticket.remote_id}", params={"fields": "Id,ContactId,SuppliedEmail,SuppliedName"}).json()
    if case.get("ContactId"):
        contact = session.get(f"sobjects/Contact/{case['ContactId']}", params={"fields": "Id,Name,Email"}).json()
        if contact.get("Email"):
            return Identity(email=contact["Email"], remote_id=contact["Id"], name=contact.get("Name"),
                            verified=True, source="salesforce:Contact")
    return Identity(email=case.get("SuppliedEmail"), name=case.get("SuppliedName"), verified=False,
                    source="salesforce:SuppliedEmail")


@hookimpl
def lookup(call):
    return call.tool.fn(call)


@hookimpl
def action(call):
    return call.tool.fn(call)


@hookimpl
def escalate(call):
    return escalate_case(call)
