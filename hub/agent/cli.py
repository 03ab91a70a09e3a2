"""``hub flows``: check the resolution flows in config/flows/."""

import click

from ..errors import HubError


@click.group()
def flows():
    """Resolution flows (config/flows/*.yaml)."""


@flows.command()
@click.option("--config-dir", type=click.Path(file_okay=False), envvar="HUB_CONFIG_DIR",
              help="Configuration directory (default ./config).")
def check(config_dir):
    """Validate every flow, the policy and the translations; one line per flow, exit 2 on the
    first error, or after listing every message without a reviewed translation."""
    from ..runtime import Hub

    hub = Hub.load(config_dir)
    agent = hub.agent  # loading validates: unknown tools, bad nodes, loops, unverified disclosure
    for name, flow in sorted(agent.flows.items()):
        click.echo(f"ok  {name:<26} {len(flow.nodes):>2} nodes  intents: {', '.join(flow.intents) or '-'}")
    for line in agent.skipped_flows:
        click.echo(line)
    known = set(agent.flow_for_intent)
    for name, flows in sorted(agent.flow_for_intent.items()):
        if len({flow.audience for flow in flows}) > 1:
            click.echo(f"    {name}: " + ", ".join(f"{flow.name} for {flow.audience}" for flow in flows))
    try:
        from ..understanding.taxonomy import load_taxonomy

        unhandled = [name for name in load_taxonomy(hub.config_path).names if name not in known]
    except HubError:
        unhandled = []
    if unhandled:
        click.echo(f"intents without a flow are handed to a person: {', '.join(unhandled)}")
    from ..i18n.check import problems

    untranslated = problems(hub.config_path)  # a message without a translation hands its tickets over
    for line in untranslated:
        click.echo(f"error: {line}", err=True)
    if untranslated:
        raise click.exceptions.Exit(2)
    from ..i18n import TRANSLATED

    click.echo(f"ok  translations: every customer-facing message in {', '.join(TRANSLATED)}")
