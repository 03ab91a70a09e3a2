import re
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))  # web_helpers, shared with the test modules

from web_helpers import PASSWORD, ROLES, login


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives headless Chromium through Playwright")


@pytest.fixture
def web_config(config_dir, redis_url, request):
    """The default config on the test's Redis, with a queue name of its own (no shared counters)."""
    path = config_dir / "settings.yaml"
    settings = yaml.safe_load(path.read_text())
    settings["redis_url"] = redis_url
    settings["queue_name"] = "t" + re.sub(r"[^a-z0-9]", "", request.node.name.lower())[-40:]
    path.write_text(yaml.safe_dump(settings))
    return config_dir


@pytest.fixture
def web_hub(web_config):
    from hub.db import upgrade
    from hub.runtime import Hub

    hub = Hub.load(web_config, env={})
    upgrade(hub.engine)
    from hub import accounts

    for role in ROLES:
        accounts.add_operator(hub, f"{role}@example.com", PASSWORD, role)
    yield hub
    hub.engine.dispose()


@pytest.fixture
def app(web_hub):
    from hub.app import create_app

    return create_app(web_hub)


@pytest.fixture
def client_as(app):
    def make(role):
        client = app.test_client()
        response = login(client, role)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return make


