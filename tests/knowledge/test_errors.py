"""The knowledge base's errors are the hub's errors (issue #14, item 7): one hierarchy, so the
``hub`` command's handler prints any of them as one line instead of a traceback."""

import click
from click.testing import CliRunner

from hub.cli import HubGroup
from hub.errors import HubError
from hub.knowledge import KnowledgeConfigError, KnowledgeError, SourceError


def test_every_knowledge_error_is_a_hub_error():
    for error in (KnowledgeError, KnowledgeConfigError, SourceError):
        assert issubclass(error, HubError), error


def test_the_hub_command_prints_a_knowledge_error_as_one_line():
    @click.group(cls=HubGroup)
    def cli():
        pass

    @cli.command()
    def sync():
        raise SourceError("help centre: the connection needs reconnecting")

    result = CliRunner().invoke(cli, ["sync"])
    assert result.exit_code == 2
    assert result.output == "hub: error: help centre: the connection needs reconnecting\n"
