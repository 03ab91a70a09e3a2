"""helpdesk-hub hook implementations for Zendesk Support. The hub calls each only about its own
connector (``hub.plugins.owner_caller``), so none asks whose call it is."""

from hub import hookimpl
from hub.tools import Identity

from . import ingest, tools
from .connector import ZendeskConnector, member

CONNECTOR = ZendeskConnector()


@hookimpl
def register_connectors(register):
    register(CONNECTOR)


@hookimpl
def register_tools(register):
    for tool in tools.TOOLS:
        register(tool)


@hookimpl
def ingest_webhook(connector, connection, request, secret, max_age_seconds):
    return ingest.ingest(request, secret, max_age_seconds)


@hookimpl
def auth_provider(connector, instance):
    return CONNECTOR.provider(instance)


@hookimpl
def auth_verify_requester(connector, connection, session, ticket):
    """The ticket's requester as a Zendesk user; verified when Zendesk verified their email."""
    requester_id = member(session.get(f"tickets/{ticket.remote_id}"), "ticket", "requester_id")
    user = member(session.get(f"users/{requester_id}"), "user")
    return Identity(email=user.get("email"), remote_id=str(user["id"]), name=user.get("name"),
                    verified=bool(user.get("verified")), source="zendesk")


@hookimpl
def lookup(call):
    return call.tool.fn(call)


@hookimpl
def action(call):
    return call.tool.fn(call)


@hookimpl
def escalate(call):
    return tools.escalate(call)
