"""Hook implementations of the Shopify connector: thin, each answers only for "shopify"."""

from hub import hookimpl

from . import ingest
from .connector import ShopifyConnector
from .tools import TOOLS

CONNECTOR = ShopifyConnector()


def _mine(connector):
    return connector.name == CONNECTOR.name


@hookimpl
def register_connectors(register):
    register(CONNECTOR)


@hookimpl
def register_tools(register):
    for tool in TOOLS:
        register(tool)


@hookimpl
def auth_provider(connector, instance):
    if _mine(connector):
        return connector.provider(instance)


@hookimpl
def ingest_webhook(connector, connection, request, secret):
    if _mine(connector):
        return ingest.events(connection, request, secret)


@hookimpl
def auth_verify_requester(connector):
    """Shopify has no tickets, so it never vouches for a ticket's requester: None, like any
    connector asked about a ticket that is not its own."""
    return None


@hookimpl
def lookup(call):
    if call.connector == CONNECTOR.name:
        return call.tool.fn(call)


@hookimpl
def action(call):
    if call.connector == CONNECTOR.name:
        return call.tool.fn(call)


@hookimpl
def escalate(call):
    """Shopify has no tickets, groups or internal notes: there is nothing to hand over to, so
    escalations are never answered here (the connector declares no escalate scopes)."""
    return None
