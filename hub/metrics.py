"""Prometheus metrics: what the hub's processes count, and what the database and queue hold.

Counters are counted where things happen — webhook rejections in the web process, tool calls
and finished runs in the workers — so the hub uses prometheus_client's multiprocess mode: every
process writes its samples to files in one directory (``<data_dir>/metrics``) and ``/metrics``
adds them up. State (queue depth, runs by state, approvals waiting, connections by status) is
read from Redis and the database at scrape time, so it is right whichever process changed it.
"""

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

_counters = {}


def configure(data_dir):
    """Point multiprocess mode at ``<data_dir>/metrics``; must run before prometheus_client loads."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        return
    import sys

    if "prometheus_client" in sys.modules:  # too late for files: count in this process only
        log.warning("prometheus_client was imported before the hub configured it; metrics are per process")
        return
    directory = Path(data_dir) / "metrics"
    directory.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


def _metric(kind, name, documentation, labels, **kwargs):
    if name not in _counters:
        import prometheus_client

        _counters[name] = getattr(prometheus_client, kind)(name, documentation, labels, **kwargs)
    return _counters[name]


def tool_call(connector, tool, outcome, seconds=None):
    _metric("Counter", "hub_tool_calls", "Tool calls by connector, tool and outcome (done, failed, refused).",
            ["connector", "tool", "outcome"]).labels(connector, tool, outcome).inc()
    if seconds is not None:
        _metric("Histogram", "hub_tool_call_seconds", "Tool call latency, vendor round-trips included.",
                ["connector"], buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
                ).labels(connector).observe(seconds)


def webhook(connector, outcome):
    _metric("Counter", "hub_webhooks", "Webhook deliveries by connector and outcome (accepted, duplicate, rejected).",
            ["connector", "outcome"]).labels(connector, outcome).inc()


def token_refresh_failed(connector):
    _metric("Counter", "hub_token_refresh_failures", "Token refreshes that failed (the connection needs reconnecting).",
            ["connector"]).labels(connector).inc()


def run_finished(flow, outcome):
    _metric("Counter", "hub_runs_finished", "Agent runs by flow and how they ended.",
            ["flow", "outcome"]).labels(flow or "none", outcome).inc()


def exposition(hub, queue_depth=None, lost_tickets=None):
    """The text format for ``/metrics``: the counters of every process, then the state read now.

    ``queue_depth(hub)`` and ``lost_tickets(hub)`` read the inbound path's state (the app passes
    hub.inbound's; this module is imported by everything that counts, so it imports none of it).
    A reader not given leaves its gauge out.
    """
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess

    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:  # one process (tests, or a hub embedded in another program): its own counters
        counted = REGISTRY
    state = CollectorRegistry(auto_describe=False)
    state.register(_StateCollector(hub, queue_depth, lost_tickets))
    return generate_latest(counted) + generate_latest(state)


class _StateCollector:
    """Gauges read at scrape time from Redis and the database."""

    def __init__(self, hub, queue_depth, lost_tickets):
        self.hub, self.queue_depth, self.lost_tickets = hub, queue_depth, lost_tickets

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily
        from sqlalchemy import func
        from sqlmodel import select

        from .db import session_scope
        from .models import Approval, Connection, Run

        depth = GaugeMetricFamily("hub_queue_depth", "Jobs waiting in the hub's queue.")
        try:
            if self.queue_depth is not None:
                depth.add_metric([], self.queue_depth(self.hub))
        except Exception as error:  # Redis down: say so by leaving the gauge out
            log.warning("metrics: queue depth unavailable: %s", error)
        else:
            if self.queue_depth is not None:
                yield depth
        with session_scope(self.hub.engine) as session:
            runs = GaugeMetricFamily("hub_runs", "Agent runs by state.", labels=["state"])
            for state, count in session.exec(select(Run.state, func.count()).group_by(Run.state)):
                runs.add_metric([getattr(state, "value", state)], count)
            yield runs
            pending = session.exec(select(func.count()).select_from(Approval).where(Approval.state == "pending")).one()
            yield GaugeMetricFamily("hub_approvals_pending", "Proposed actions waiting for a human.", value=pending)
            connections = GaugeMetricFamily("hub_connections", "Vendor connections by connector and status.",
                                            labels=["connector", "status"])
            for connector, status, count in session.exec(select(Connection.connector, Connection.status, func.count())
                                                         .group_by(Connection.connector, Connection.status)):
                connections.add_metric([connector, getattr(status, "value", status)], count)
            yield connections
        if self.lost_tickets is not None:
            yield GaugeMetricFamily("hub_lost_tickets", "Ticket-created events older than events.lost_after_seconds "
                                    "whose ticket has no run (stuck, retrying or failed).",
                                    value=self.lost_tickets(self.hub))
