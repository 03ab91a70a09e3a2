"""``hub plugin new NAME``: render plugin_template/ into a new connector distribution.

The rendered distribution is laid out like every connector under plugins/ and passes the
conformance suite as it stands (docs/writing-a-connector.md takes it from there).
"""

import os
from pathlib import Path

import click

from hub.connectors import NAME_PATTERN

#: Where the template lives in a source checkout (the hub is installed editable from it).
TEMPLATE = Path(__file__).resolve().parents[2] / "plugin_template"


def template_path():
    """``$HUB_PLUGIN_TEMPLATE`` or the checkout's plugin_template/; ClickException if neither."""
    path = Path(os.environ.get("HUB_PLUGIN_TEMPLATE") or TEMPLATE)
    if not (path / "copier.yml").is_file():
        raise click.ClickException(
            f"no connector template at {path}: set HUB_PLUGIN_TEMPLATE to a helpdesk-hub checkout's plugin_template/"
        )
    return path


def render(name, directory, title=None):
    """Render the template for connector ``name`` into ``directory``; return the directory."""
    from copier import run_copy  # copier is only needed here; keep `hub --help` fast

    data = {"name": name}
    if title:
        data["title"] = title
    run_copy(str(template_path()), str(directory), data=data, defaults=True, quiet=True)
    return Path(directory)


def _valid_name(ctx, param, value):
    if not NAME_PATTERN.match(value):
        raise click.BadParameter(
            f"{value!r} is not a lowercase identifier: a letter, then 1 to 39 letters, digits or underscores"
        )
    return value


@click.group("plugin")
def plugin():
    """Create connector plugins."""


@plugin.command("new")
@click.argument("name", callback=_valid_name)
@click.option("--directory", "-d", type=click.Path(file_okay=False, path_type=Path),
              help="Where to create the distribution (default: ./hub_NAME).")
@click.option("--title", help="The vendor's name as people write it (default: NAME capitalised).")
def new(name, directory, title):
    """Render a new connector distribution for NAME (e.g. acme -> helpdesk-hub-acme / hub_acme)."""
    directory = directory or Path(f"hub_{name}")
    if directory.exists() and any(directory.iterdir()):
        raise click.BadParameter(f"{directory} exists and is not empty", param_hint="--directory")
    render(name, directory, title)
    click.echo(f"Created {directory}/ (distribution helpdesk-hub-{name}, package hub_{name}). Next:")
    click.echo(f"  pip install -e {directory}[test]")
    click.echo(f"  pytest {directory}/tests        # the conformance suite passes as rendered")
