"""``hub i18n``: the catalogues of customer-facing messages in config/locale/."""

import click

from ..config import config_dir as _config_path


_config_option = click.option("--config-dir", type=click.Path(file_okay=False), envvar="HUB_CONFIG_DIR",
                              help="Configuration directory (default ./config).")


@click.group()
def i18n():
    """Translations of what customers read (config/locale/<language>/LC_MESSAGES/messages.po)."""


@i18n.command()
@_config_option
def extract(config_dir):
    """Update messages.pot and every messages.po from the flows, keeping translations; a
    message whose English changed is marked fuzzy until someone reviews its translation."""
    from .update import update_catalogues

    for counts in update_catalogues(_config_path(config_dir)):
        click.echo(f"{counts.language}: {counts.translated} translated, {counts.fuzzy} fuzzy, "
                   f"{counts.untranslated} untranslated, {counts.obsolete} obsolete")


@i18n.command()
@_config_option
@click.pass_context
def check(ctx, config_dir):
    """Every customer-facing message has a reviewed translation in de, fr and es whose
    placeholders match its English; one line per problem, exit 1 if there is any."""
    from . import TRANSLATED
    from .check import problems

    found = problems(_config_path(config_dir))
    for line in found:
        click.echo(f"error: {line}")
    if found:
        ctx.exit(1)
    click.echo(f"ok  every customer-facing message is translated into {', '.join(TRANSLATED)}")
