"""Writes that add something at a vendor (a comment, a request, a return) done once, even
when an answer is lost.

The HTTP layer never sends such a write twice by itself (``hub.http``): when its answer is
lost it raises ``WriteOutcomeUnknown``. :func:`once` is the other half. A tool gives it two
functions: ``find()`` reads the vendor for what this very write leaves behind — a marker
carrying the call's idempotency key, a correlation id, the record the write would have made —
and ``write()`` sends it. ``find()`` runs before the first attempt and again after every lost
answer, so the write is sent again only when the vendor shows it was not done.

Tools declare this as ``idempotency=READ_BACK`` (``hub.tools``); docs/writing-a-connector.md.
"""

from collections.abc import Callable
from typing import Any

from .errors import WriteOutcomeUnknown


def once(session, find: Callable[[], Any], write: Callable[[], Any]) -> tuple[Any, bool]:
    """``(find()'s answer, True)`` when the vendor already holds what the write makes, else
    ``(write()'s answer, False)``.

    After a lost answer the vendor is read again, with the session's backoff in between, up
    to the session's attempt limit; then ``WriteOutcomeUnknown`` goes to the caller (a run
    waits and tries the step again, and the step starts by reading).
    """
    policy = session.policy
    attempt = 0
    while True:
        attempt += 1
        earlier = find()
        if earlier is not None:
            return earlier, True
        try:
            return write(), False
        except WriteOutcomeUnknown:
            if attempt >= policy.max_attempts:
                raise
            policy.sleep(policy.wait(attempt))
