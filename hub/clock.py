"""The hub's one clock: timezone-aware UTC. A leaf module, so anything may import it."""

from datetime import datetime, timezone


def utcnow():
    return datetime.now(timezone.utc)
