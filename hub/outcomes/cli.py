"""``hub report``, ``hub kpis`` and ``hub eval``."""

import json
import logging
from datetime import datetime, timezone
from pathlib import Path

import click

from ..cli import config_option, load_hub
from ..errors import HubError


def _contract(hub):
    from .contract import load_contract

    return load_contract(hub.config_path)


def _instant(value, name):
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise HubError(f"{name} must be an ISO date or time such as 2026-05-01 or 2026-05-31T23:30:00+00:00, not {value!r}")
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


@click.command()
@click.option("--month", required=True, help="The month to bill, YYYY-MM (in the contract's time zone).")
@click.option("--format", "output_format", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("--timezone", "zone_name", help="Cut the month in this IANA time zone instead of the contract's.")
@click.option("--as-of", help="Judge reopen windows as of this time (default now), for re-running an old statement.")
@config_option
def report(month, output_format, zone_name, as_of, config_dir):
    """The monthly pay-for-performance statement, from the audit trail."""
    from . import billing

    hub = load_hub(config_dir, migrated=True)
    contract = _contract(hub)
    zone = billing.zone_named(zone_name) if zone_name else None
    result = billing.statement(hub, contract, month, zone=zone, as_of=_instant(as_of, "--as-of"))
    click.echo(billing.to_csv(result) if output_format == "csv" else json.dumps(result, indent=2), nl=output_format == "json")


@click.command()
@click.option("--from", "start", required=True, help="Start (inclusive), ISO date or time; UTC unless it says.")
@click.option("--to", "end", required=True, help="End (exclusive), ISO date or time.")
@click.option("--connector")
@click.option("--intent")
@click.option("--channel")
@config_option
def kpis(start, end, connector, intent, channel, config_dir):
    """Resolution KPIs for runs started in [--from, --to), as JSON."""
    from . import kpis as figures

    hub = load_hub(config_dir, migrated=True)
    start, end = _instant(start, "--from"), _instant(end, "--to")
    if end <= start:
        raise HubError("--to must be after --from")
    click.echo(json.dumps(figures.compute(hub, start, end, _contract(hub), connector=connector, intent=intent,
                                          channel=channel), indent=2))


@click.command("eval")
@click.option("--corpus", "corpus_paths", required=True, multiple=True, type=click.Path(dir_okay=False),
              help="Labelled tickets, one JSON object a line (eval/replay/README.md); repeat for several "
                   "files, each reported apart as a split named after the file.")
@click.option("--dry-run", is_flag=True, help="Only classify and pick flows: no sandboxes, nothing filed.")
@click.option("--only", help="Comma-separated item ids to replay (a slice of the corpus).")
@click.option("--format", "output_format", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True)
@click.option("--workdir", type=click.Path(file_okay=False), help="Where the replay world keeps its files (default: a temp dir).")
@config_option
def evaluate(corpus_paths, dry_run, only, output_format, workdir, config_dir):
    """Replay labelled tickets through the agent and score it against the labels.

    Exits 1 when the agent took an action a label does not allow.
    """
    import os
    import tempfile

    from . import corpus, replay

    items = corpus.load_all(corpus_paths, corpus.sandbox_requesters())
    if only:
        wanted = [name.strip() for name in only.split(",") if name.strip()]
        unknown = sorted(set(wanted) - {item.id for item in items})
        if unknown:
            raise HubError(f"--only: no item(s) {', '.join(unknown)} in {', '.join(corpus_paths)}")
        items = [item for item in items if item.id in wanted]
    hub = load_hub(config_dir)
    if dry_run:
        observations = replay.run_dry(hub, items)
    else:
        # The sandboxes serve in this process; their request lines are not the report.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

        def progress(message):
            click.echo(f"hub eval: {message}", err=True)

        with tempfile.TemporaryDirectory(prefix="hub-eval-") as scratch:
            with _redis(os.environ.get("HUB_REDIS_URL"), Path(scratch)) as redis_url:
                observations = replay.run_live(items, Path(workdir or scratch) / "world", redis_url,
                                               config_dir=hub.config_path, progress=progress)
    report = replay.score(items, observations, dry_run=dry_run)
    if output_format == "json":
        click.echo(json.dumps(report, indent=2))
    else:
        modes = {intent: hub.agent.policy.mode_for(intent) for intent in report["readiness"]}
        click.echo(replay.markdown(report, modes), nl=False)
    if not dry_run and report["wrong_actions"]:
        raise SystemExit(1)


class _redis:
    """The Redis at ``url``, or a private redis-server on a free loopback port for the replay."""

    def __init__(self, url, directory):
        self.url, self.directory, self.process = url, directory, None

    def __enter__(self):
        import shutil
        import socket
        import subprocess
        import time

        if self.url:
            return self.url
        binary = shutil.which("redis-server")
        if not binary:
            raise HubError("hub eval needs Redis: set HUB_REDIS_URL or install redis-server")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    return f"redis://127.0.0.1:{port}/0"
            time.sleep(0.05)
        self.__exit__()
        raise HubError(f"redis-server did not start on port {port}")

    def __exit__(self, *exc):
        if self.process:
            self.process.terminate()
            self.process.wait(10)
