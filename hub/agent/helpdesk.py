"""The run's own ticket in its helpdesk, and the connections a run's tools work through."""

from sqlmodel import select

from ..db import session_scope
from ..models import Connection, ConnectionStatus, Ticket
from ..tools import CallContext
from . import effects
from .control import Escalate


def ticket_effect(hub, run, facts, verb, key, text=None, **extra):
    """Do ``verb`` (reply, note, solve, escalate) to the run's ticket in its own helpdesk, once.

    Each helpdesk connector says which of its tools does the verb (``Connector.ticket_call``),
    so one flow serves a ticket from any helpdesk; ``key`` makes the write happen once.
    """
    ticket = facts["ticket"]
    connector = hub.connector(ticket["connector"])
    planned = connector.ticket_call(verb, ticket["remote_id"], text)
    if planned is None:
        raise Escalate(f"{connector.title} tickets cannot {verb}", code="refused")
    tool_name, arguments = planned
    arguments = dict(arguments, **extra)
    with session_scope(hub.engine) as session:
        connection = session.get(Connection, session.get(Ticket, run.ticket_id).connection_id)
    context = CallContext(run_id=run.id, ticket_id=run.ticket_id, node=key.split(":", 1)[1],
                          allowed_tools=frozenset({tool_name}), actor="agent", role="agent")
    return effects.perform(hub, run.id, key, tool_name, connection, arguments, context)[0]


def connection_for(hub, connector_name, facts):
    """The ticket's own connection for its connector's tools; otherwise the oldest connected one."""
    with session_scope(hub.engine) as session:
        ticket = session.get(Ticket, facts["ticket"]["id"])
        own = session.get(Connection, ticket.connection_id)
        if own.connector == connector_name:
            return own
        other = session.exec(select(Connection).where(Connection.connector == connector_name,
                                                      Connection.status == ConnectionStatus.connected)
                             .order_by(Connection.created_at)).first()
    if other is None:
        raise Escalate(f"no connected {connector_name} connection to look this up in",
                       f"Connect {connector_name} on the setup page, or answer from its admin.", code="refused")
    return other
