"""``hub sandbox``: serve the sandboxes of all installed connectors on loopback ports."""

import threading

import click

from .discovery import broken, discover
from .server import run_all
from .tls import DEFAULT_DIRECTORY


@click.command("sandbox")
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address to bind.")
@click.option(
    "--port",
    "base_port",
    default=8700,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port of the first sandbox (in name order); the rest take the next ports. 0: any free.",
)
@click.option(
    "--only", multiple=True, metavar="NAME", help="Start only these connectors (repeatable)."
)
@click.option(
    "--tls-dir",
    default=str(DEFAULT_DIRECTORY),
    show_default=True,
    type=click.Path(file_okay=False),
    help="Where the local CA and certificate for HTTPS sandboxes live.",
)
def sandbox(host, base_port, only, tls_dir):
    """Start the vendor sandboxes of all installed connectors; Ctrl-C stops them."""
    factories = discover()
    for name, reason in sorted(broken.items()):
        click.echo(f"skipped {name}: {reason}", err=True)
    unknown = sorted(set(only) - set(factories))
    if unknown:
        installed = ", ".join(sorted(factories)) or "none"
        raise click.BadParameter(
            f"no sandbox for {', '.join(unknown)}; installed: {installed}", param_hint="--only"
        )
    if only:
        factories = {name: factories[name] for name in only}
    if not factories:
        raise click.ClickException("no installed connector ships a sandbox")
    try:
        running = run_all(factories, host=host, base_port=base_port, tls_dir=tls_dir)
    except (RuntimeError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    for name, server in running.items():
        click.echo(f"{name:<12} {server.url}   control: {server.url}/_sandbox/")
    if any(server.tls for server in running.values()):
        click.echo(f"HTTPS sandboxes use the CA in {tls_dir}/ca.pem")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        for server in running.values():
            server.stop()
