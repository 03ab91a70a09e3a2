"""Was a resolution real? A ticket the agent solved counts only if nobody reopened it in time.

The rule, per connector (how each normalises its vendor's status into ``Ticket.status``):

- **Zendesk** sends ``ticket.status_changed``; its connector turns a change from solved/closed
  to anything else into a ``ticket.reopened`` event. One such event received after the run
  finished is a reopen.
- **ServiceNow** (incident ``state``) and **Salesforce** (Case ``Status``) only send
  ``ticket.updated`` with the ticket's new status, and so do polled connections. There a reopen
  is an event showing the ticket *not* solved/closed (new, open, pending, on hold) that the
  vendor timestamped *after* the first event showing it solved or closed.

Vendor time is compared with vendor time and hub time with hub time, never one with the other,
so a vendor clock running fast or slow cannot invent or hide a reopen: webhooks arrive out of
order, and the agent's own reply produces an "open" event that can land after the solve.
Without vendor timestamps the hub's receipt times stand in for both sides.
"""

from dataclasses import dataclass
from datetime import timedelta

from .history import DONE_STATUSES, OPEN_STATUSES, aware

VERIFIED, REOPENED, PENDING = "verified", "reopened", "pending"


@dataclass
class Verdict:
    status: str  # verified, reopened or pending (the window is still open)
    reason: str
    reopened_after: timedelta | None = None


def _solved_at(record):
    """The vendor's time for the solve the run did: the first solved/closed event after the run began."""
    begun = record.run.created_at
    for event in record.events:
        if event.status in DONE_STATUSES and event.kind != "ticket.created" and event.vendor_at \
                and event.received_at >= aware(begun):
            return event.vendor_at
    return None


def _reopen_lag(record):
    """How long after the resolution the ticket was reopened, or None."""
    finished = record.finished_at
    solved_at = _solved_at(record)
    lags = []
    for event in record.events:
        if event.kind == "ticket.reopened" and event.received_at > finished:
            lags.append(event.received_at - finished)
        elif event.kind != "ticket.created" and event.status in OPEN_STATUSES:
            if solved_at and event.vendor_at:
                if event.vendor_at > solved_at:
                    lags.append(event.vendor_at - solved_at)
            elif event.received_at > finished:
                lags.append(event.received_at - finished)
    return min(lags) if lags else None


def judge(record, window, as_of):
    """The verdict on a resolved run, ``window`` after it finished, seen at ``as_of``."""
    lag = _reopen_lag(record)
    if lag is not None and lag <= window:
        return Verdict(REOPENED, f"reopened {_human(lag)} after the agent resolved it", lag)
    if as_of < record.finished_at + window:
        return Verdict(PENDING, f"reopen window open until {(record.finished_at + window).isoformat()}")
    if lag is not None:
        return Verdict(VERIFIED, f"reopened only after the {_human(window)} window ({_human(lag)})", lag)
    return Verdict(VERIFIED, f"not reopened within {_human(window)}")


def _human(delta):
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // 1440} days"
