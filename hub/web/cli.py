"""``hub user``: operator accounts and API tokens from the command line.

An ``AccountError`` (a HubError) is left to the ``hub`` command's own handler, which prints it
as one ``hub: error:`` line and exits 2, as for every other command.
"""

import json
import sys

import click

from ..cli import config_option, load_hub


@click.group()
def user():
    """Operator accounts, API tokens and token refresh."""


def _accounts():
    from .. import accounts

    return accounts


@user.command()
@click.argument("email")
@click.option("--role", required=True, help="admin, approver or analyst (config/roles.yaml).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@config_option
def add(email, role, password_stdin, config_dir):
    """Create an operator account (the first admin: hub user add --role admin EMAIL)."""
    accounts = _accounts()
    hub = load_hub(config_dir, migrated=True)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    operator = accounts.add_operator(hub, email, password, role)
    click.echo(f"hub: added {operator.email} ({operator.role})")


@user.command("list")
@config_option
def list_(config_dir):
    """List operator accounts as JSON lines."""
    hub = load_hub(config_dir, migrated=True)
    for operator in _accounts().list_operators(hub):
        click.echo(json.dumps({"email": operator.email, "role": operator.role,
                               "last_login_at": operator.last_login_at}, default=str))


@user.command()
@click.argument("email")
@config_option
def remove(email, config_dir):
    """Delete an operator account; its sessions stop working at once."""
    accounts = _accounts()
    accounts.remove_operator(load_hub(config_dir, migrated=True), email)
    click.echo(f"hub: removed {email}")


@user.command()
@click.argument("name")
@click.option("--role", required=True, help="The role the token acts with.")
@config_option
def token(name, role, config_dir):
    """Create an API token NAME bound to a role; prints the secret once."""
    accounts = _accounts()
    _, secret = accounts.create_token(load_hub(config_dir, migrated=True), name, role)
    click.echo(secret)


@user.command("revoke-token")
@click.argument("name")
@config_option
def revoke_token(name, config_dir):
    """Delete an API token."""
    accounts = _accounts()
    accounts.revoke_token(load_hub(config_dir, migrated=True), name)
    click.echo(f"hub: revoked token {name}")


@user.command("refresh-tokens")
@click.option("--ahead", type=int, default=None, help="Seconds before expiry (default: web.refresh_ahead_seconds).")
@config_option
def refresh_tokens(ahead, config_dir):
    """Refresh vendor access tokens that expire soon (one pass; the worker runs it on a timer)."""
    from .refresh import refresh_expiring

    click.echo(json.dumps(refresh_expiring(load_hub(config_dir, migrated=True), ahead)))
