"""The ``hub`` command."""

import importlib
import json
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import click

from . import __version__
from .errors import HubError


# Commands that live beside the code they drive, imported only when used so `hub --help`
# stays fast (the knowledge base pulls in chromadb, the classifier numpy).
LAZY_COMMANDS = {
    "classify": "hub.understanding.cli:classify",
    "demo": "hub.demo.cli:demo",
    "eval": "hub.outcomes.cli:evaluate",
    "flows": "hub.agent.cli:flows",
    "i18n": "hub.i18n.cli:i18n",
    "kb": "hub.knowledge.cli:kb",
    "kpis": "hub.outcomes.cli:kpis",
    "plugin": "hub.testing.cli:plugin",
    "report": "hub.outcomes.cli:report",
    "sandbox": "hub.sandbox.cli:sandbox",
    "user": "hub.web.cli:user",
}


class HubGroup(click.Group):
    """Loads lazy commands, and turns the hub's own errors into one line on stderr."""

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def get_command(self, ctx, name):
        if name in LAZY_COMMANDS and name not in self.commands:
            module, _, attribute = LAZY_COMMANDS[name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except HubError as error:
            click.echo(f"hub: error: {error}", err=True)
            ctx.exit(2)
        except Exception as error:
            line = unreachable_service(error)
            if line is None:
                raise
            click.echo(f"hub: error: {line}", err=True)
            ctx.exit(2)


def unreachable_service(error):
    """One line for a database or Redis the hub cannot reach, or None for any other error
    (a bug keeps its traceback). What an operator needs is where and what to check."""
    from redis.exceptions import ConnectionError as RedisConnectionError, TimeoutError as RedisTimeout
    from sqlalchemy.exc import InterfaceError, OperationalError

    if isinstance(error, (OperationalError, InterfaceError)):
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        return (f"cannot reach the database: {reason}. Is it running, and is database_url in settings.yaml "
                "(or HUB_DATABASE_URL) right?")
    if isinstance(error, (RedisConnectionError, RedisTimeout)):
        reason = str(error).strip().splitlines()[0]
        return (f"cannot reach Redis: {reason}. Start redis-server, or set redis_url in settings.yaml "
                "(or HUB_REDIS_URL) to yours.")
    return None


@click.group(cls=HubGroup)
@click.version_option(__version__, prog_name="hub")
def cli():
    """helpdesk-hub: connect helpdesks and business systems, resolve tickets across them."""


def load_hub(config_dir=None, migrated=False):
    """The hub from its config; ``migrated`` also insists the database schema is current."""
    from .db import require_current
    from .runtime import Hub

    hub = Hub.load(config_dir)
    if migrated:
        require_current(hub.engine)
    return hub


config_option = click.option(
    "--config-dir", type=click.Path(file_okay=False), envvar="HUB_CONFIG_DIR",
    help="Configuration directory (default ./config).",
)


@cli.command()
@click.option("--all", "include_core", is_flag=True, help="Include the core's own default plugins.")
@config_option
def plugins(include_core, config_dir):
    """List installed plugins as JSON."""
    from .introspect import plugins_info

    click.echo(json.dumps(plugins_info(load_hub(config_dir), include_core), indent=2))


@cli.command()
@click.argument("packages", nargs=-1, required=True)
@click.option("-U", "--upgrade", is_flag=True, help="Upgrade packages to the latest version.")
@click.option("-e", "--editable", is_flag=True, help="Install a local folder in editable mode.")
def install(packages, upgrade, editable):
    """Install plugins (or any package) into the hub's own environment."""
    args = [sys.executable, "-m", "pip", "install"]
    if upgrade:
        args.append("--upgrade")
    for package in packages:
        args += ["-e", package] if editable else [package]
    sys.exit(subprocess.call(args))


@cli.command()
@click.argument("packages", nargs=-1, required=True)
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def uninstall(packages, yes):
    """Uninstall plugins from the hub's own environment."""
    sys.exit(subprocess.call([sys.executable, "-m", "pip", "uninstall", *(["-y"] if yes else []), *packages]))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@config_option
def serve(host, port, threads, config_dir):
    """Serve the web app and webhook endpoints under waitress."""
    import waitress

    from . import logs, metrics
    from .app import create_app

    hub = load_hub(config_dir, migrated=True)
    logs.configure(hub.settings.log_level, hub.settings.log_format)
    metrics.configure(hub.settings.data_dir)
    app = create_app(hub)
    _warn_without_redis(hub)
    hub.audit_log.start_anchoring()
    # SIGTERM (how service managers stop us) exits normally, so the last checkpoint is written.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    click.echo(f"hub: serving on http://{host}:{port}", err=True)
    waitress.serve(app, host=host, port=port, threads=threads, ident="helpdesk-hub")


def _warn_without_redis(hub):
    """Serve anyway (Redis may come up after the hub), but say at once what the pages will say."""
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url(hub.settings.redis_url, socket_timeout=2, socket_connect_timeout=2).ping()
    except RedisError as error:
        reason = str(error).strip().splitlines()[0]
        click.echo(f"hub: warning: cannot reach Redis ({reason}); sign-in, sessions and the queue need it, and "
                   "every page says so until it answers. Start redis-server, or set redis_url in settings.yaml "
                   "(or HUB_REDIS_URL) to yours.", err=True)


@cli.command()
@click.option("--burst", is_flag=True, help="Exit when the queue is empty.")
@click.option("--fork/--no-fork", default=False, show_default=True,
              help="Run each job in a forked child (isolation) instead of in the worker process (speed).")
@config_option
def worker(burst, fork, config_dir):
    """Run an rq worker on the hub's queue (start several for more throughput)."""
    from redis import Redis
    from rq import Queue

    from . import inbound, logs, metrics, polling
    from .web import refresh

    hub = load_hub(config_dir, migrated=True)
    logs.configure(hub.settings.log_level, hub.settings.log_format)
    metrics.configure(hub.settings.data_dir)
    hub.agent.classifier  # flows, policy and the model load once (and fail early), before rq forks
    redis = Redis.from_url(hub.settings.redis_url)
    hub.audit_log.start_anchoring()
    if burst:
        inbound.relay_events(hub, older_than=timedelta(0))
        inbound.relay_runs(hub)
        polling.poll(hub)
        refresh.refresh_expiring(hub)
    else:
        threading.Thread(target=_relay_forever, args=(hub,), daemon=True, name="outbox-relay").start()
        threading.Thread(target=refresh.refresh_forever, args=(hub,), daemon=True, name="token-refresh").start()
    kind = inbound.HubWorker if fork else inbound.SimpleHubWorker
    kind([Queue(hub.settings.queue_name, connection=redis)], connection=redis, hub=hub).work(burst=burst)


def _relay_forever(hub, every=2.0, poll_every=30.0):
    """The relays: queue events that never reached the queue, runs whose retry time came, and
    runs a dead worker dropped; and poll the connections that cannot push."""
    from . import inbound, polling

    last_poll = 0.0
    while True:
        time.sleep(every)
        try:
            inbound.relay_events(hub)
            inbound.relay_runs(hub)
            if time.monotonic() - last_poll >= poll_every:
                last_poll = time.monotonic()
                polling.poll(hub)
        except Exception as error:  # keep relaying; the next round may find the database back
            click.echo(f"hub: relay: {type(error).__name__}: {error}", err=True)


@cli.group()
def db():
    """Database schema migrations."""


@db.command()
@click.argument("revision", default="head")
@config_option
def upgrade(revision, config_dir):
    """Upgrade the schema (default: to the newest revision)."""
    from .db import upgrade as run_upgrade

    hub = load_hub(config_dir)
    run_upgrade(hub.engine, revision)
    click.echo(f"hub: database at {revision}: {hub.engine.url.render_as_string(hide_password=True)}")


@db.command()
@click.argument("revision")
@config_option
def downgrade(revision, config_dir):
    """Downgrade the schema to REVISION ("base" removes every table)."""
    from .db import downgrade as run_downgrade

    run_downgrade(load_hub(config_dir).engine, revision)


@cli.group()
def audit():
    """The keyed, hash-chained audit log and its anchor."""


#: Problems printed before the rest are only counted (a replaced log fails on every entry).
MAX_PROBLEMS_SHOWN = 20


@audit.command()
@config_option
def verify(config_dir):
    """Check every entry's MAC, the chain and the anchor; exit 1 naming what was tampered with."""
    problems = load_hub(config_dir, migrated=True).audit_log.verify()
    for problem in problems[:MAX_PROBLEMS_SHOWN]:
        click.echo(f"hub: audit: {problem}", err=True)
    if len(problems) > MAX_PROBLEMS_SHOWN:
        click.echo(f"hub: audit: … and {len(problems) - MAX_PROBLEMS_SHOWN} more problems", err=True)
    if problems:
        sys.exit(1)
    click.echo("hub: audit log intact")


@audit.command()
@config_option
def rekey(config_dir):
    """Re-sign the log under the newest audit key, after checking it (stop the hub first)."""
    changed = load_hub(config_dir, migrated=True).audit_log.rekey()
    click.echo(f"hub: re-signed {changed} audit entries" if changed else "hub: audit log already signed with the newest key")


@audit.command()
@click.option("--run", "run_id", help="Only the entries of one agent run.")
@config_option
def export(run_id, config_dir):
    """Write the audit log as JSON lines to stdout."""
    from .audit import export as run_export

    for row in run_export(load_hub(config_dir).engine, run_id):
        click.echo(json.dumps(row, default=str))


@cli.group()
def secrets():
    """Encryption keys for tokens at rest."""


@secrets.command()
@config_option
def rotate(config_dir):
    """Re-encrypt every stored secret under the newest key in HUB_SECRET_KEYS."""
    from sqlmodel import select

    from .db import session_scope
    from .models import Connection

    hub = load_hub(config_dir)
    count = 0
    with session_scope(hub.engine) as session:
        for connection in session.exec(select(Connection)):
            for field in ("token_ciphertext", "webhook_secret_ciphertext"):
                value = getattr(connection, field)
                if value:
                    setattr(connection, field, hub.box.rotate(value))
                    count += 1
            session.add(connection)
    click.echo(f"hub: re-encrypted {count} secret(s)")
