"""`hub demo`: the main job end to end on embedded defaults, in one command."""

import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path

import click

from .backlog import DemoError, Filer, load, sample
from .progress import describe_surprise, surprises, table, wait_until_settled
from .stack import APPROVER, Stack, redis_url_from


def run_demo(data_dir="var/demo", port=8000, workers=2, once=False, approve=False, limit=None,
             backlog=None, timeout=300.0, keep=False, redis_url=None, say=print):
    """Run the demo and return the final Snapshot (``once``); without ``once`` it serves until
    Ctrl-C. Raises DemoError when something does not start or the backlog does not settle."""
    tickets = sample(load(backlog), limit)
    redis_url = redis_url or redis_url_from(os.environ)
    with Stack(data_dir, port=port, workers=workers, redis_url=redis_url, keep=keep, say=say) as stack:
        hub = stack.hub
        stack.wait_for_workers()
        say(f"demo: the hub is at {stack.url} with {len(stack.servers)} sandbox(es) and {workers} worker(s)")
        filer = Filer(hub, stack.connections)
        started = time.monotonic()
        filed = [filer.file(ticket) for ticket in tickets]
        say(f"demo: filed {len(filed)} tickets in {time.monotonic() - started:.1f}s "
            f"({', '.join(f'{v} {n}' for v, n in _by_vendor(filed).items())}); the sandboxes deliver them as webhooks")
        current = wait_until_settled(hub, filed, timeout, say=say, check=stack.check_workers)
        current, approved = _approvals(hub, filed, current, approve, timeout, say, stack.check_workers)
        _summary(current, approved, say)
        if not once:
            _serve_until_interrupted(stack, say)  # ends only with Ctrl-C (KeyboardInterrupt)
        return current


def _by_vendor(filed):
    return Counter(item.ticket.vendor for item in filed)


def _approvals(hub, filed, current, approve, timeout, say, check):
    from ..agent import approvals

    pending = approvals.pending(hub)
    if not pending:
        return current, False
    say(f"\ndemo: {len(pending)} action(s) await approval:")
    for item in pending:
        ticket = item["ticket"]
        requester = ticket["requester_email"] or (item["run"]["facts"].get("requester") or {}).get("email")
        say(f"  #{item['id']}  {item['run']['flow']}: {item['tool']} {item['arguments']}  "
            f"(ticket {ticket['number'] or ticket['remote_id']}, {requester}) — {item['summary']}")
    if not approve:
        say("demo: approve or reject them on the approvals page, or run with --approve")
        return current, False
    for item in pending:
        approvals.decide(hub, item["id"], approve=True, actor=APPROVER, note="approved by the demo (--approve)")
    say(f"demo: {APPROVER} approved {len(pending)} action(s); waiting for those runs to finish")
    return wait_until_settled(hub, filed, timeout, say=say, check=check), True


def _summary(current, approved, say):
    say("\nOutcomes by flow:")
    for line in table(current):
        say("  " + line)
    if current.events_stale:
        say(f"\nwarning: event(s) {', '.join(map(str, current.events_stale))} stayed 'queued' in the database "
            "although their job finished (hub.inbound.enqueue marks rows queued after queueing them)")
    different = surprises(current, approved)
    if different:
        say(f"\n{len(different)} ticket(s) ended differently from the backlog's expectation:")
        for outcome in different:
            say("  " + describe_surprise(outcome, approved))


def _serve_until_interrupted(stack, say):
    say(f"\ndemo: web app      {stack.url}/  (health: {stack.url}/-/health)")
    for email, password in stack.operators.items():
        say(f"demo: sign in as   {email} / {password}")
    for name, server in sorted(stack.servers.items()):
        say(f"demo: {name:<11} {server.url}   control: {server.url}/_sandbox/")
    say("demo: everything stays up until Ctrl-C")
    while True:
        stack.check_workers()
        time.sleep(1)


def _terminate(signum, _frame):
    # SIGTERM unwinds like Ctrl-C, so the stack stops everything it started.
    raise KeyboardInterrupt


@click.command()
@click.option("--data-dir", default="var/demo", show_default=True, type=click.Path(file_okay=False),
              help="Demo data directory, wiped at start unless --keep.")
@click.option("--keep", is_flag=True, help="Keep the data directory's previous contents.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="The hub's web port (0: any free port).")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 16), help="Worker processes.")
@click.option("--once", is_flag=True, help="Exit after the summary (status 0 when the backlog settled).")
@click.option("--approve", is_flag=True, help="Approve every pending action as the demo approver.")
@click.option("--limit", type=click.IntRange(1), help="File only this many tickets (spread over all flows).")
@click.option("--backlog", type=click.Path(dir_okay=False, exists=True), help="Another backlog YAML file.")
@click.option("--timeout", default=300, show_default=True, type=click.IntRange(5),
              help="Seconds the backlog may take to settle.")
def demo(data_dir, keep, port, workers, once, approve, limit, backlog, timeout):
    """Run the main job end to end: sandboxes, hub, workers, OAuth, a backlog of tickets."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        run_demo(data_dir=Path(data_dir), port=port, workers=workers, once=once, approve=approve, limit=limit,
                 backlog=backlog, timeout=timeout, keep=keep, say=lambda line: click.echo(line))
    except DemoError as error:
        click.echo(f"demo: error: {error}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("\ndemo: stopped", err=True)
