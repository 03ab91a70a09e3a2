"""Workers killed anywhere lose no ticket and repeat no refund or reply.

Real parts: redis-server, the Zendesk and Shopify sandboxes, the hub's web app receiving the
sandboxes' webhooks, and real `hub worker` processes, killed with SIGKILL. The targeted tests
stop a worker at one named point of the inbound path (``failing_worker.py``); the chaos test
kills workers at random times, and at random named points, over more than a hundred
autonomous refunds.
"""

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from sqlmodel import select

from hub import inbound
from hub.models import InboundEvent, Run, RunState
from hub.testing.world import World

HERE = Path(__file__).parent
#: A lease this short lets a killed worker's event be taken over within the test's time.
CLAIM_SECONDS = 2
CUSTOMERS = {7001: "ada@example.com", 7017: "john.mccarthy@example.org"}
FIRST_ORDER = 5001


def chaos_seed(directory, orders):
    """The Shopify sandbox's seed plus ``orders`` small paid orders, refundable without approval."""
    from hub_shopify import sandbox as shopify_sandbox

    seed = yaml.safe_load((Path(shopify_sandbox.__file__).parent / "seed.yaml").read_text())
    customers = sorted(CUSTOMERS)
    for index in range(orders):
        seed["orders"].append({
            "number": FIRST_ORDER + index, "customer": customers[index % len(customers)], "currency": "USD",
            "days_ago": 8, "shipping": "0.00",
            "lines": [{"sku": "NW-CAP-OLV", "title": "Canvas Cap - Olive", "price": "29.00", "quantity": 1}],
            # Delivered: the agent refunds only what has arrived (an unshipped order is a person's call).
            "fulfillments": [{"shipment": "DELIVERED", "days_ago": 7, "delivered_days_ago": 4}],
        })
    Path(directory).mkdir(parents=True, exist_ok=True)
    path = Path(directory) / "shopify-chaos-seed.yaml"
    path.write_text(yaml.safe_dump(seed, allow_unicode=True))
    return path


def build_world(directory, redis_url, orders):
    world = World(directory, redis_url, seeds={"shopify": chaos_seed(directory, orders)})
    settings_path = world.config / "settings.yaml"
    settings = yaml.safe_load(settings_path.read_text())
    settings["events"] = dict(settings.get("events") or {}, claim_seconds=CLAIM_SECONDS)
    settings_path.write_text(yaml.safe_dump(settings))
    return world


@pytest.fixture
def world(tmp_path, redis_url):
    built = build_world(tmp_path, redis_url, orders=4)
    try:
        yield built
    finally:
        built.stop()


def ask_for_refund(world, index):
    email = CUSTOMERS[sorted(CUSTOMERS)[index % len(CUSTOMERS)]]
    number = FIRST_ORDER + index
    return world["zendesk"].ticket(email, "Refund please",
                                f"I want a refund for order #{number}, the cap arrived damaged.")["id"]


def shopify_refunds(world):
    """Order number -> how many refunds Shopify holds for it (the chaos orders only)."""
    orders = world.sandboxes["shopify"].shopify.shop.orders.values()
    return {o["number"]: len(o["refunds"]) for o in orders if o["number"] >= FIRST_ORDER}


def worker_command(world, *options, point=None, hits=1):
    if point is None:
        return [sys.executable, "-m", "hub", "worker", *options, "--config-dir", str(world.config)]
    return [sys.executable, str(HERE / "failing_worker.py"), point, str(hits), *options,
            "--config-dir", str(world.config)]


def killed_at(world, point):
    """One burst of a worker that SIGKILLs itself at ``point``; it must have got there."""
    result = subprocess.run(worker_command(world, "--burst", point=point), env=world.env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == -signal.SIGKILL, result.stderr[-3000:]


def event_states(world):
    """The states of the ticket-created events (replies and refunds bring more events)."""
    with world.session() as session:
        return [row.state for row in session.exec(select(InboundEvent).where(
            InboundEvent.kind == inbound.TICKET_CREATED).order_by(InboundEvent.id))]


@pytest.mark.parametrize("point, state", [
    ("after-claim", inbound.PROCESSING),   # leased; no ticket, no run
    ("before-run", inbound.PROCESSING),    # the ticket recorded; no run
    ("before-done", inbound.PROCESSING),   # the run exists; the event not done
])
def test_a_worker_killed_on_the_way_to_the_run_loses_no_ticket(world, point, state):
    ticket = ask_for_refund(world, 0)
    world.wait_for_events(1)
    killed_at(world, point)
    assert event_states(world) == [state]
    time.sleep(CLAIM_SECONDS + 0.5)  # the dead worker's lease runs out
    world.work()  # a burst worker runs the relay first: it finds the event and takes it over
    [run] = world.runs()
    assert (run.flow, run.state) == ("refund", RunState.resolved), run.reason
    assert event_states(world) == [inbound.DONE]
    assert shopify_refunds(world)[FIRST_ORDER] == 1
    assert len(world["zendesk"].replies(ticket)) == 1


@pytest.mark.parametrize("point", ["after-refund", "after-reply"])
def test_a_worker_killed_after_the_vendor_acted_repeats_nothing(world, point):
    ticket = ask_for_refund(world, 1)
    world.wait_for_events(1)
    killed_at(world, point)
    time.sleep(6)  # the run's lease (5 s in the test world) runs out
    world.work()
    [run] = world.runs()
    assert run.state == RunState.resolved, run.reason
    assert shopify_refunds(world)[FIRST_ORDER + 1] == 1
    assert len(world["zendesk"].replies(ticket)) == 1


def test_a_ticket_created_event_without_a_run_is_reported(world):
    from hub.app import create_app

    ask_for_refund(world, 2)
    world.wait_for_events(1)
    killed_at(world, "before-run")
    settings = world.hub.settings.events
    client = create_app(world.hub).test_client()
    assert client.get("/-/health").get_json()["status"] == "ok"  # not old enough to worry about yet
    settings.lost_after_seconds = 1
    time.sleep(1.2)
    health = client.get("/-/health").get_json()
    assert health["status"] == "degraded" and health["lost_tickets"] == 1
    assert "hub_lost_tickets 1.0" in client.get("/metrics").get_data(as_text=True)
    time.sleep(CLAIM_SECONDS)
    world.work()
    assert client.get("/-/health").get_json()["lost_tickets"] == 0


# -- chaos ------------------------------------------------------------------------------------------

TICKETS = 110
WORKERS = 3
#: How long a chaotic worker lives before it is killed, if no failpoint kills it first (it
#: takes a few seconds to start: the classifier loads).
LIFETIME = (8.0, 24.0)
KILL_PHASE_SECONDS = 90
DEADLINE_SECONDS = 270


class Workers:
    """Real `hub worker` processes (relays included): each is SIGKILLed at a random time, and
    half of them are set to kill themselves at a named point first."""

    def __init__(self, world, rng):
        self.world, self.rng, self.processes = world, rng, {}
        self.kills, self.suicides = 0, 0

    def spawn(self, chaotic=True):
        point = self.rng.choice(FAILPOINTS) if chaotic and self.rng.random() < 0.5 else None
        command = worker_command(self.world, point=point, hits=1)
        process = subprocess.Popen(command, env=self.world.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.processes[process] = time.monotonic() + self.rng.uniform(*LIFETIME) if chaotic else None

    def tick(self, chaotic=True):
        """Kill the workers whose time came, and start a new one for each that died."""
        for process, dies_at in list(self.processes.items()):
            if process.poll() is None and dies_at is not None and time.monotonic() >= dies_at:
                process.send_signal(signal.SIGKILL)
                process.wait()
                self.kills += 1
            elif process.poll() is not None:
                self.suicides += process.returncode == -signal.SIGKILL
            else:
                continue
            del self.processes[process]
            self.spawn(chaotic)

    def calm(self):
        """From now on only workers that are left alone."""
        self.stop(signal.SIGKILL)
        self.processes = {}
        for _ in range(WORKERS):
            self.spawn(chaotic=False)

    def stop(self, how=signal.SIGTERM):
        for process in self.processes:
            process.send_signal(how)
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


#: The points a chaotic worker may die at (failing_worker.POINTS): on the inbound path and
#: right after a vendor acted.
FAILPOINTS = ("after-claim", "before-run", "before-done", "after-refund", "after-reply")


def finished_runs(world):
    with world.session() as session:
        return session.exec(select(Run).where(Run.state.in_((RunState.resolved, RunState.escalated)))).all()


def all_done(world):
    """Every ticket's run finished, and every ticket-created event done."""
    with world.session() as session:
        open_events = session.exec(select(InboundEvent.id).where(InboundEvent.kind == inbound.TICKET_CREATED,
                                                                 InboundEvent.state != inbound.DONE)).all()
    return not open_events and len(finished_runs(world)) == TICKETS


def test_chaos_killed_workers_lose_no_ticket_and_repeat_no_refund_or_reply(tmp_path, redis_url):
    from hub.models import Ticket

    seed = random.randrange(2**32)
    rng = random.Random(seed)
    world = build_world(tmp_path, redis_url, orders=TICKETS)
    workers = Workers(world, rng)
    tickets = {}  # Zendesk ticket id -> the order it asks to refund
    try:
        for _ in range(WORKERS):
            workers.spawn()
        started = time.monotonic()
        while time.monotonic() - started < KILL_PHASE_SECONDS:
            for _ in range(rng.randint(2, 6)):  # tickets keep arriving while workers die
                if len(tickets) < TICKETS:
                    tickets[ask_for_refund(world, len(tickets))] = FIRST_ORDER + len(tickets)
            time.sleep(0.3)
            workers.tick()
            if len(tickets) == TICKETS and all_done(world):
                break
        workers.calm()
        while not all_done(world) and time.monotonic() - started < DEADLINE_SECONDS:
            time.sleep(1)
            workers.tick(chaotic=False)
    finally:
        workers.stop()
    try:
        runs = finished_runs(world)
        with world.session() as session:
            remote = {t.id: int(t.remote_id) for t in session.exec(select(Ticket))}
            created = session.exec(select(InboundEvent).where(InboundEvent.kind == inbound.TICKET_CREATED)).all()
        taken_over = sum(event.attempts > 1 for event in created)
        about = (f"seed {seed}: {workers.kills} workers killed, {workers.suicides} died at a failpoint, "
                 f"{taken_over} of {len(created)} ticket events taken over from a dead worker")
        unfinished = [(event.id, event.ticket_remote_id, event.state, event.attempts)
                      for event in created if event.state != inbound.DONE]
        assert len(runs) == len(tickets) == TICKETS and not unfinished, (
            f"{about}: {TICKETS - len(runs)} ticket(s) without a finished run; events not done: {unfinished}")
        assert len({run.ticket_id for run in runs}) == TICKETS, about

        refunds = shopify_refunds(world)
        twice = sorted(number for number, count in refunds.items() if count > 1)
        assert not twice, f"{about}: orders refunded more than once: {twice}"
        replies = {ticket: len(world["zendesk"].replies(ticket)) for ticket in tickets}
        twice = sorted(ticket for ticket, count in replies.items() if count > 1)
        assert not twice, f"{about}: tickets answered more than once: {twice}"

        resolved = [run for run in runs if run.state == RunState.resolved]
        for run in resolved:  # each refunded its order once and answered once
            ticket = remote[run.ticket_id]
            assert (refunds[tickets[ticket]], replies[ticket]) == (1, 1), f"{about}: ticket {ticket}"
        # A worker killed just after Shopify refunded: the retry finds the refund made under its
        # key and carries on, so every run resolves.
        escalated = [run.reason for run in runs if run.state == RunState.escalated]
        assert not escalated, f"{about}: escalated: {escalated}"
        print(f"chaos {about}; {len(resolved)} of {TICKETS} runs resolved; {time.monotonic() - started:.0f} s")
    finally:
        world.stop()
