"""Policy, RBAC and audit around every lookup, action and escalate call.

A wrapper hook implementation: it runs before the connector that answers the call, refuses
what the flow node, the caller's role or the connection's granted scopes do not allow, and
writes the outcome — refused, failed or done — to the audit log. Connectors never do this
themselves, so no connector can forget to.
"""

import time

from hub import hookimpl, metrics
from hub.errors import PluginError, ToolRefused
from hub.models import ConnectionStatus


def refusal(call):
    """Why ``call`` must not run, or None."""
    tool, context, connection = call.tool, call.context, call.connection
    if context.allowed_tools is not None and tool.name not in context.allowed_tools:
        return f"flow node {context.node!r} may not call {tool.name}"
    if not call.runtime.roles.allows(context.role, tool.permission):
        return f"role {context.role!r} lacks permission {tool.permission}"
    if connection.status != ConnectionStatus.connected:
        return f"connection {connection.id} is {ConnectionStatus(connection.status).value}"
    missing = sorted(set(tool.scopes) - set(connection.granted_scopes or ()))
    if missing:
        return f"connection {connection.id} was not granted scope(s) {', '.join(missing)}"
    try:
        call.runtime.registry.validate_arguments(tool, call.arguments)
    except ValueError as error:
        return str(error)
    return None


def _guarded(call):
    runtime, context = call.runtime, call.context
    where = {"actor": context.actor, "run_id": context.run_id, "ticket_id": context.ticket_id}
    step = {
        "tool": call.tool.name, "connection": call.connection.id, "node": context.node,
        "arguments": call.arguments, "idempotency_key": call.idempotency_key,
    }
    reason = refusal(call)
    if reason:
        runtime.audit("tool.refused", dict(step, reason=reason), **where)
        metrics.tool_call(call.tool.connector, call.tool.name, "refused")
        raise ToolRefused(call.tool.name, reason)
    started = time.perf_counter()
    try:
        result = yield
        if result is None:
            raise PluginError(f"{call.tool.name}: no installed plugin ran this tool")
    except Exception as error:
        elapsed = round((time.perf_counter() - started) * 1000, 1)
        runtime.audit("tool.failed", dict(step, error=f"{type(error).__name__}: {error}", ms=elapsed), **where)
        metrics.tool_call(call.tool.connector, call.tool.name, "failed", elapsed / 1000)
        raise
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    runtime.audit("tool.done", dict(step, result=result, ms=elapsed), **where)
    metrics.tool_call(call.tool.connector, call.tool.name, "done", elapsed / 1000)
    return result


@hookimpl(wrapper=True)
def lookup(call):
    return (yield from _guarded(call))


@hookimpl(wrapper=True)
def action(call):
    return (yield from _guarded(call))


@hookimpl(wrapper=True)
def escalate(call):
    return (yield from _guarded(call))
