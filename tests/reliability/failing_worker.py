"""`hub worker` that kills itself (SIGKILL) at a named point in its work: for tests only.

    python failing_worker.py <point> <hits> hub-worker-options...

The point fires on its ``hits``-th arrival, so a test can stop a real worker process exactly
between two steps of the inbound path — after it leased an event and before the ticket's run
exists, say — which random kills hit only by luck. Nothing here is part of the product: the
patches are applied to the imported modules of this one process before the worker starts.
"""

import functools
import os
import signal
import sys

from hub import inbound
from hub.cli import cli
from hub.runtime import Hub


def die():
    sys.stderr.write(f"failing_worker: killing myself at {POINT}\n")
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def arrive():
    global HITS
    HITS -= 1
    if HITS <= 0:
        die()


def before(owner, name, when=lambda *args, **kwargs: True):
    real = getattr(owner, name)

    @functools.wraps(real)
    def patched(*args, **kwargs):
        if when(*args, **kwargs):
            arrive()
        return real(*args, **kwargs)

    setattr(owner, name, patched)


def after(owner, name, when=lambda result, *args, **kwargs: True):
    real = getattr(owner, name)

    @functools.wraps(real)
    def patched(*args, **kwargs):
        result = real(*args, **kwargs)
        if when(result, *args, **kwargs):
            arrive()
        return result

    setattr(owner, name, patched)


POINTS = {
    # The event is leased: nothing about its ticket is recorded yet.
    "after-claim": lambda: after(inbound, "claim", lambda row, *args: row is not None),
    # The ticket is recorded; the run does not exist yet.
    "before-run": lambda: before(inbound, "on_event", lambda hub, kind, *args: kind == "ticket.created"),
    # The run exists; the event is not marked done yet.
    "before-done": lambda: before(inbound, "finish", lambda hub, event_id, owner, state, **kw: state == inbound.DONE),
    # Shopify made the refund; the hub has not recorded it.
    "after-refund": lambda: after(Hub, "call", lambda result, hub, tool, *args, **kw: tool == "shopify.refund"),
    # The reply is posted; the hub has not recorded it.
    "after-reply": lambda: after(Hub, "call", lambda result, hub, tool, *args, **kw: tool == "zendesk.reply"),
}

if __name__ == "__main__":
    POINT, HITS, options = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    POINTS[POINT]()
    cli(["worker", *options], prog_name="hub")
