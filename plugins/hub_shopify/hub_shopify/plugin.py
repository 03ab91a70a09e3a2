"""Hook implementations of the Shopify connector: thin. The hub calls each only about its own
connector (``hub.plugins.owner_caller``). A store has no tickets, so the plugin implements neither
``auth_verify_requester`` nor ``escalate``, and the hub makes it no escalate tool."""

from hub import hookimpl

from . import ingest
from .connector import ShopifyConnector
from .tools import TOOLS

CONNECTOR = ShopifyConnector()


@hookimpl
def register_connectors(register):
    register(CONNECTOR)


@hookimpl
def register_tools(register):
    for tool in TOOLS:
        register(tool)


@hookimpl
def auth_provider(connector, instance):
    return connector.provider(instance)


@hookimpl
def ingest_webhook(connector, connection, request, secret):
    return ingest.events(connection, request, secret)


@hookimpl
def lookup(call):
    return call.tool.fn(call)


@hookimpl
def action(call):
    return call.tool.fn(call)

