"""helpdesk-hub hook implementations for Zendesk Support; each answers only for "zendesk"."""

from hub import hookimpl
from hub.tools import Identity

from . import ingest, tools
from .connector import ZendeskConnector, member

CONNECTOR = ZendeskConnector()


def _ours(name):
    return name == CONNECTOR.name


@hookimpl
def register_connectors(register):
    register(CONNECTOR)


@hookimpl
def register_tools(register):
    for tool in tools.TOOLS:
        register(tool)


@hookimpl
def ingest_webhook(connector, connection, request, secret, max_age_seconds):
    if _ours(connector.name):
        return ingest.ingest(request, secret, max_age_seconds)
    return None


@hookimpl
def auth_provider(connector, instance):
    if _ours(connector.name):
        return CONNECTOR.provider(instance)
    return None


@hookimpl
def auth_verify_requester(connector, connection, session, ticket):
    """The ticket's requester as a Zendesk user; verified when Zendesk verified their email."""
    if not _ours(connector.name):
        return None
    requester_id = member(session.get(f"tickets/{ticket.remote_id}"), "ticket", "requester_id")
    user = member(session.get(f"users/{requester_id}"), "user")
    return Identity(email=user.get("email"), remote_id=str(user["id"]), name=user.get("name"),
                    verified=bool(user.get("verified")), source="zendesk")


@hookimpl
def lookup(call):
    if _ours(call.connector):
        return call.tool.fn(call)
    return None


@hookimpl
def action(call):
    if _ours(call.connector):
        return call.tool.fn(call)
    return None


@hookimpl
def escalate(call):
    if _ours(call.connector):
        return tools.escalate(call)
    return None
