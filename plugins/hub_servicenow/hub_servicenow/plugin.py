"""helpdesk-hub hook implementations for ServiceNow (entry point ``servicenow``). The hub calls
each only about its own connector (``hub.plugins.owner_caller``)."""

from hub import hookimpl
from hub.tools import Identity

from . import ingest, table, tools
from .connector import ServiceNow

CONNECTOR = ServiceNow()


@hookimpl
def register_connectors(register):
    register(CONNECTOR)


@hookimpl
def register_tools(register):
    for tool in tools.TOOLS:
        register(tool)


@hookimpl
def ingest_webhook(connector, connection, request, secret, max_age_seconds):
    return ingest.events_from_webhook(request, secret, max_age_seconds)


@hookimpl
def ingest_poll(connector, connection, session, since):
    return ingest.poll(session, since)


@hookimpl
def auth_provider(connector, instance):
    return CONNECTOR.provider(instance)


@hookimpl
def auth_verify_requester(connector, connection, session, ticket):
    """The incident's caller_id, read back from sys_user: verified only while the account is active."""
    incident = table.get(session, "incident", ticket.remote_id, ("caller_id",))
    caller_id = table.value(incident.get("caller_id"))
    if not caller_id:
        return Identity(email=None, verified=False, source="servicenow: the incident has no caller")
    user = table.get(session, "sys_user", caller_id, ("sys_id", "name", "email", "active"))
    fields = {key: table.value(value) for key, value in user.items()}
    return Identity(
        email=fields.get("email") or None,
        remote_id=fields["sys_id"],
        name=fields.get("name") or None,
        verified=fields.get("active") == "true" and bool(fields.get("email")),
        source="servicenow:sys_user",
    )


@hookimpl
def lookup(call):
    return call.tool.fn(call)


@hookimpl
def action(call):
    return call.tool.fn(call)


@hookimpl
def escalate(call):
    return tools.escalate(call)
