"""``hub user``: the first admin, listing, tokens, removal."""

import json

from click.testing import CliRunner

from hub.cli import cli


def run(config, *args, stdin=None):
    return CliRunner().invoke(cli, [*args[:2], "--config-dir", str(config), *args[2:]], input=stdin)


def test_first_admin_then_sign_in(web_config):
    from hub.db import upgrade
    from hub.runtime import Hub

    upgrade(Hub.load(web_config, env={}).engine)
    result = run(web_config, "user", "add", "--role", "admin", "--password-stdin", "Root@Example.com",
                 stdin="a long enough password\n")
    assert result.exit_code == 0, result.output
    assert "added root@example.com (admin)" in result.output
    again = run(web_config, "user", "add", "--role", "admin", "--password-stdin", "root@example.com",
                stdin="a long enough password\n")
    assert again.exit_code == 2 and "already exists" in again.output
    weak = run(web_config, "user", "add", "--role", "admin", "--password-stdin", "b@example.com", stdin="short\n")
    assert weak.exit_code == 2 and "at least 12" in weak.output
    listed = [json.loads(line) for line in run(web_config, "user", "list").output.splitlines()]
    assert [(row["email"], row["role"]) for row in listed] == [("root@example.com", "admin")]

    from hub import accounts

    assert accounts.authenticate(Hub.load(web_config, env={}), "root@example.com", "a long enough password")
    secret = run(web_config, "user", "token", "--role", "analyst", "dashboards").output.strip()
    assert secret.startswith("hub_")
    assert run(web_config, "user", "revoke-token", "dashboards").exit_code == 0
    assert run(web_config, "user", "remove", "root@example.com").exit_code == 0
    assert run(web_config, "user", "list").output == ""


def test_unmigrated_database_is_one_clear_line(web_config):
    result = run(web_config, "user", "list")
    assert result.exit_code == 2 and "run `hub db upgrade`" in result.output
