"""Benchmark: the agent's event path and runs, against the vendor sandboxes on this machine.

    .venv/bin/python bench/bench_agent.py [--acks 2000] [--tickets 40] [--json out.json]

Needs a redis-server on PATH (started here on a free port). Three measures, one run:

1. Webhook acknowledgement latency under sustained load: signed Zendesk deliveries POSTed by
   four client threads at the hub's /hooks endpoint under waitress; p50/p99 of the answer.
2. Throughput: order-status tickets created in the Zendesk sandbox while the queue is
   suspended (their webhooks reach the hub and are queued), then one or two running `hub worker`
   processes are let go: tickets per second from then until every run finished. Each ticket
   is several jobs (the created, updated and comment events, and the events the agent's own
   reply and status change cause).
3. The hub's own time per ticket against the vendor round-trips it makes: from the audit log,
   the time inside tool calls (vendor round-trips plus the guard around each) against each
   run's wall time.

Writes the raw numbers to bench/results/agent.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from sqlmodel import select

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "agent.json"


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def start_redis(directory):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
                                "--dir", str(directory)], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    from redis import Redis

    for _ in range(100):
        try:
            Redis.from_url(url).ping()
            return process, url
        except Exception:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def webhook_acks(world, count, threads=4):
    """Signed deliveries the Zendesk sandbox builds (unsent), POSTed at the hub concurrently."""
    connection = world.connections["zendesk"]
    ticket = world["zendesk"].ticket("john.mccarthy@example.org", "Bench", "Where is order #1014?")
    samples = []
    for _ in range(count):
        sample = world.control("zendesk", "POST", "webhooks/sample", {"kind": "ticket.status_changed", "ticket_id": ticket["id"]})
        samples.append((sample["body"].encode(), sample["headers"]))
    url = world.hub.webhook_url(connection)
    latencies, statuses, lock = [], [], threading.Lock()

    def post(chunk):
        http = requests.Session()
        for body, headers in chunk:
            started = time.perf_counter()
            answer = http.post(url, data=body, headers=headers, timeout=10)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                statuses.append(answer.status_code)

    chunks = [samples[i::threads] for i in range(threads)]
    started = time.perf_counter()
    workers = [threading.Thread(target=post, args=(chunk,)) for chunk in chunks]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - started
    assert set(statuses) == {200}, f"unexpected statuses {set(statuses)}"
    return {"requests": count, "threads": threads, "per_second": round(count / wall, 1),
            "p50_ms": round(percentile(latencies, 50), 2), "p99_ms": round(percentile(latencies, 99), 2)}


def throughput(world, tickets, workers, fork=False):
    """Workers started and registered, the queue suspended while the tickets arrive, then
    resumed: tickets per second from resume until every run finished."""
    from redis import Redis
    from rq import Worker
    from rq.suspension import resume, suspend

    from hub.models import InboundEvent, Run

    redis = Redis.from_url(world.hub.settings.redis_url)
    suspend(redis)
    command = [sys.executable, "-m", "hub", "worker", "--config-dir", str(world.config)] + (["--fork"] if fork else [])
    processes = [subprocess.Popen(command,
                                  env=dict(world.env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for _ in range(workers)]
    try:
        deadline = time.monotonic() + 120
        while len(Worker.all(connection=redis)) < workers:
            if time.monotonic() > deadline:
                raise RuntimeError("the workers did not start")
            time.sleep(0.2)
        customers = [("john.mccarthy@example.org", 1014), ("ada@example.com", 1026), ("barbara@example.com", 1027)]
        for n in range(tickets):
            email, order = customers[n % len(customers)]
            world["zendesk"].ticket(email, f"Order status {n}", f"Hi, where is my order #{order}? Thanks.")
        wait_until(world, lambda session: len(session.exec(select(InboundEvent.id).where(
            InboundEvent.kind == "ticket.created")).all()) >= tickets, "the webhooks to arrive")
        started = time.perf_counter()
        resume(redis)
        wait_until(world, lambda session: len(session.exec(select(Run.id).where(
            Run.finished_at.is_not(None))).all()) >= tickets, "every run to finish", timeout=600)
        wall = time.perf_counter() - started
    finally:
        resume(redis)
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    return {"workers": workers, "fork": fork, "tickets": tickets, "seconds": round(wall, 2),
            "tickets_per_second": round(tickets / wall, 2)}


def wait_until(world, condition, what, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        with world.session() as session:
            if condition(session):
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


def hub_share(world):
    """Per resolved run: wall time, time inside tool calls (audit ``ms``), and the rest."""
    from hub.models import AuditEntry, Run

    rows = []
    with world.session() as session:
        runs = session.exec(select(Run).where(Run.state == "resolved")).all()
        for run in runs:
            calls = session.exec(select(AuditEntry.data).where(AuditEntry.run_id == run.id,
                                                               AuditEntry.kind == "tool.done")).all()
            vendor_ms = sum(call.get("ms", 0) for call in calls)
            wall_ms = (run.finished_at - run.created_at).total_seconds() * 1000
            rows.append((wall_ms, vendor_ms, len(calls)))
    walls, vendors, calls = zip(*rows)
    own = [w - v for w, v, _ in rows]
    return {"runs": len(rows), "vendor_calls_per_run": round(statistics.mean(calls), 1),
            "run_wall_ms_p50": round(statistics.median(walls), 1),
            "vendor_ms_p50": round(statistics.median(vendors), 1),
            "hub_own_ms_p50": round(statistics.median(own), 1),
            "hub_own_to_vendor_ratio": round(statistics.median(o / v for o, v in zip(own, vendors) if v), 2)}


def fresh_database(server_url, name):
    """Create (or recreate) database ``name`` on the server and return its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--acks", type=int, default=2000)
    parser.add_argument("--tickets", type=int, default=40)
    parser.add_argument("--json", type=Path, default=RESULTS)
    parser.add_argument("--postgres", metavar="URL",
                        help="a PostgreSQL server URL (postgresql+psycopg://user@host:port/db) to measure "
                             "throughput on as well; each measure gets a fresh database on it")
    args = parser.parse_args()

    from hub.testing.world import World

    with tempfile.TemporaryDirectory() as directory:
        redis, redis_url = start_redis(directory)
        try:
            results = {}
            # Each measure gets a fresh world (database, sandboxes, queue): no backlog of one
            # measure's events is left for the next to work through.
            for workers in (1, 2):
                world = World(Path(directory) / f"w{workers}", redis_url)
                try:
                    results[f"throughput_{workers}_worker"] = throughput(world, args.tickets, workers)
                    if workers == 1:
                        results["hub_share"] = hub_share(world)
                finally:
                    world.stop()
            if args.postgres:
                for workers in (1, 2):
                    world = World(Path(directory) / f"pg{workers}", redis_url, fresh_database(args.postgres, f"bench_w{workers}"))
                    try:
                        results[f"postgres_throughput_{workers}_worker"] = throughput(world, args.tickets, workers)
                    finally:
                        world.stop()
            world = World(Path(directory) / "fork", redis_url)
            try:  # the same as throughput_1_worker, each job in a forked work horse
                results["throughput_1_worker_fork"] = throughput(world, args.tickets, 1, fork=True)
            finally:
                world.stop()
            world = World(Path(directory) / "acks", redis_url)
            try:
                results["webhook_ack"] = webhook_acks(world, args.acks)
            finally:
                world.stop()
        finally:
            redis.terminate()
    one, two = results["throughput_1_worker"], results["throughput_2_worker"]
    results["two_to_one_worker_ratio"] = round(two["tickets_per_second"] / one["tickets_per_second"], 2)
    forked = results["throughput_1_worker_fork"]
    results["in_process_to_fork_ratio"] = round(one["tickets_per_second"] / forked["tickets_per_second"], 2)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    ack, share = results["webhook_ack"], results["hub_share"]
    print("| measure | value |\n|---|---|")
    print(f"| webhook ack p50 / p99 ({ack['threads']} clients, {ack['requests']} requests) | "
          f"{ack['p50_ms']} ms / {ack['p99_ms']} ms ({ack['per_second']}/s) |")
    print(f"| tickets per second, 1 worker | {one['tickets_per_second']} ({one['tickets']} in {one['seconds']} s) |")
    print(f"| tickets per second, 2 workers | {two['tickets_per_second']} ({two['tickets']} in {two['seconds']} s) |")
    print(f"| 2 workers / 1 worker | {results['two_to_one_worker_ratio']}× |")
    print(f"| tickets per second, 1 worker forking per job (--fork) | {forked['tickets_per_second']} "
          f"(in-process is {results['in_process_to_fork_ratio']}× that) |")
    if args.postgres:
        pg1, pg2 = results["postgres_throughput_1_worker"], results["postgres_throughput_2_worker"]
        results["postgres_two_to_one_worker_ratio"] = round(pg2["tickets_per_second"] / pg1["tickets_per_second"], 2)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"| tickets per second on PostgreSQL, 1 / 2 workers | {pg1['tickets_per_second']} / "
              f"{pg2['tickets_per_second']} ({results['postgres_two_to_one_worker_ratio']}×) |")
    print(f"| run wall time p50 | {share['run_wall_ms_p50']} ms ({share['vendor_calls_per_run']} vendor calls) |")
    print(f"| inside vendor calls p50 / hub's own p50 | {share['vendor_ms_p50']} ms / {share['hub_own_ms_p50']} ms |")
    print(f"| hub's own time / vendor time (median per run) | {share['hub_own_to_vendor_ratio']} |")


if __name__ == "__main__":
    main()
