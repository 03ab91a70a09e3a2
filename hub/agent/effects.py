"""Exactly-once actions: the effect ledger in front of every write a run makes.

Each action is keyed by run and node. The key is committed as ``started`` before the vendor is
called and the result as ``done`` after. A retry, a duplicate job or a redelivered event finds
``done`` and reuses the result; a worker killed between the two leaves ``started``, and the next
attempt calls again *with the same idempotency key*, which every connector checks against the
vendor's own state (Shopify's idempotency keys, a marker on the Zendesk, ServiceNow or
Salesforce record) before acting — so the vendor sees the effect once. The same holds for a
write whose answer was lost: the HTTP layer does not send it again, the tool reads the vendor
first (``hub.writes``), and if it still cannot tell, the run retries the step and the tool
reads again. The time of the first attempt goes with every call, so a read-back for a record
the vendor cannot tag with the key looks no further back than that.
"""

from datetime import timezone

from ..db import session_scope
from ..models import Effect, utcnow


def perform(hub, run_id, key, tool_name, connection, arguments, context):
    """Call ``tool_name`` once for ``key``; returns ``(result, replayed)``."""
    with session_scope(hub.engine) as session:
        effect = session.get(Effect, key)
        if effect is not None and effect.state == "done":
            hub.audit("effect.replayed", {"key": key, "tool": tool_name},
                      run_id=run_id, ticket_id=context.ticket_id)
            return effect.result, True
        if effect is None:
            effect = Effect(key=key, run_id=run_id, tool=tool_name, arguments=arguments)
        effect.attempts += 1
        recovering = effect.attempts > 1
        session.add(effect)
        first_attempt_at = effect.created_at
    if first_attempt_at.tzinfo is None:  # SQLite hands back naive UTC
        first_attempt_at = first_attempt_at.replace(tzinfo=timezone.utc)
    if recovering:
        hub.audit("effect.recovering", {"key": key, "tool": tool_name, "attempt": effect.attempts},
                  run_id=run_id, ticket_id=context.ticket_id)
    result = hub.call(tool_name, connection, arguments, context=context, idempotency_key=key,
                      first_attempt_at=first_attempt_at)
    with session_scope(hub.engine) as session:
        effect = session.get(Effect, key)
        effect.state, effect.result, effect.done_at = "done", result, utcnow()
        session.add(effect)
    return result, False
