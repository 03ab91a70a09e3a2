"""Bad configuration stops start-up with one line naming the file, the key and the reason."""

import subprocess
import sys

import pytest

from hub.config import load_settings
from hub.errors import ConfigError


def write(config_dir, text):
    (config_dir / "settings.yaml").write_text(text)
    return config_dir


@pytest.mark.parametrize("text, message", [
    ("http:\n  timeout: soon\n", "settings.yaml: http.timeout: Input should be a valid number"),
    ("http:\n  max_attempts: 0\n", "settings.yaml: http.max_attempts: Input should be greater than or equal to 1"),
    ("redis_url: localhost:6379\n", "settings.yaml: redis_url: Value error, must start with redis://"),
    ("database_url: hub.db\n", "settings.yaml: database_url: Value error, must be a SQLAlchemy URL"),
    ("colour: blue\n", "settings.yaml: colour: Extra inputs are not permitted"),
    ("http: [1, 2\n", "settings.yaml: line 2: invalid YAML"),
    ("- just\n- a list\n", "settings.yaml: expected a mapping at the top level, got list"),
    ("connectors:\n  zendesk:\n    client_id: x\n", "settings.yaml: connectors.zendesk.client_secret: Field required"),
])
def test_bad_values_name_file_key_and_reason(config_dir, text, message):
    with pytest.raises(ConfigError) as error:
        load_settings(write(config_dir, text), env={})
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_environment_overrides_secrets_and_urls(config_dir):
    settings = load_settings(config_dir, env={
        "HUB_DATABASE_URL": "postgresql+psycopg://u:p@db/hub", "HUB_REDIS_URL": "redis://cache:6379/1",
        "HUB_ZENDESK_CLIENT_ID": "id", "HUB_ZENDESK_CLIENT_SECRET": "secret", "HUB_SANDBOX_MODE": "false",
    })
    assert settings.resolved_database_url == "postgresql+psycopg://u:p@db/hub"
    assert settings.redis_url == "redis://cache:6379/1"
    assert settings.connectors["zendesk"].client_secret == "secret"
    assert settings.sandbox_mode is False


def test_a_bad_environment_value_names_the_variable(config_dir):
    with pytest.raises(ConfigError, match="^HUB_REDIS_URL: redis_url: Value error, must start with"):
        load_settings(config_dir, env={"HUB_REDIS_URL": "http://nope"})


def test_default_config_is_valid(config_dir):
    settings = load_settings(config_dir, env={})
    assert settings.sandbox_mode and settings.resolved_database_url.endswith("hub.db")


def test_cli_prints_one_line_and_exits_2(config_dir):
    write(config_dir, "webhooks:\n  max_age_seconds: 5\n")
    result = subprocess.run([sys.executable, "-m", "hub", "plugins", "--config-dir", str(config_dir)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.endswith("settings.yaml: webhooks.max_age_seconds: Input should be greater than or equal to 10\n")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_bad_roles_file(config_dir):
    (config_dir / "roles.yaml").write_text("roles:\n  admin:\n    permisions: ['*']\n")
    from hub.runtime import Hub

    with pytest.raises(ConfigError, match=r"roles.yaml: roles.admin.permisions: Extra inputs are not permitted"):
        Hub.load(config_dir, env={})
