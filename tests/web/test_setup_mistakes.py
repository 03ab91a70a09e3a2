"""Setup mistakes end in a page or one line that says what to do, never a 500 or a traceback:
Connect with no OAuth client, the web app without Redis, an unknown address, and the `hub`
command with a database or Redis it cannot reach or a database URL it cannot use."""

import subprocess
import sys

import pytest
import yaml

from web_helpers import csrf_of, free_port


def _settings(config_dir, **changes):
    path = config_dir / "settings.yaml"
    settings = yaml.safe_load(path.read_text())
    settings.update(changes)
    path.write_text(yaml.safe_dump(settings))


@pytest.fixture
def production_app(web_config):
    """The hub outside sandbox mode, with no OAuth client for any vendor."""
    from hub import accounts
    from hub.app import create_app
    from hub.db import upgrade
    from hub.runtime import Hub

    _settings(web_config, sandbox_mode=False, public_url="https://hub.example.com")
    hub = Hub.load(web_config, env={})
    upgrade(hub.engine)
    accounts.add_operator(hub, "admin@example.com", "correct horse battery", "admin")
    yield create_app(hub)
    hub.engine.dispose()


def test_connect_without_an_oauth_client_says_what_to_configure(production_app):
    from web_helpers import login

    client = production_app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"  # the cookie is Secure under an https public_url
    assert login(client, "admin").status_code == 302
    page = client.get("/connectors").get_data(as_text=True)
    assert "https://hub.example.com/connections/callback" in page          # to register at the vendor
    assert 'placeholder="acme"' in page and "the name before .zendesk.com" in page
    assert "No OAuth client configured for Zendesk Support" in page and "HUB_ZENDESK_CLIENT_ID" in page
    response = client.post("/connectors/zendesk/connect", data={"instance": "acme", "csrf_token": csrf_of(page)})
    body = response.get_data(as_text=True)
    assert response.status_code == 503 and "Zendesk Support needs an OAuth client first" in body
    assert "HUB_ZENDESK_CLIENT_ID" in body and "HUB_ZENDESK_CLIENT_SECRET" in body
    assert '<code id="redirect-uri">https://hub.example.com/connections/callback</code>' in body
    refused = client.post("/connectors/zendesk/connect", data={"instance": "acme.zendesk.com/x",
                                                                "csrf_token": csrf_of(page)}, follow_redirects=True)
    text = refused.get_data(as_text=True)
    assert "is not a subdomain: the name before .zendesk.com" in text and "[a-z0-9]" not in text


def test_the_web_app_without_redis_is_a_page_that_says_so(web_config):
    from hub.app import create_app
    from hub.db import upgrade
    from hub.runtime import Hub

    nowhere = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    _settings(web_config, redis_url=nowhere)
    hub = Hub.load(web_config, env={})
    upgrade(hub.engine)
    client = create_app(hub).test_client()
    for path in ("/login", "/", "/runs"):  # a page asks for sign-in first, which says it
        response = client.get(path, follow_redirects=True)
        body = response.get_data(as_text=True)
        assert response.status_code == 503, (path, body[:500])
        assert "Redis (sessions, sign-in limits, the queue) is unavailable" in body and nowhere in body
        assert "/static/hub.css" in body  # the hub's own page, styled
    hub.engine.dispose()


def test_unknown_addresses_get_the_hubs_own_page_or_json(client_as):
    client = client_as("analyst")
    response = client.get("/no/such/page")
    body = response.get_data(as_text=True)
    assert response.status_code == 404 and "/static/hub.css" in body and "Start again from the home page" in body
    assert "analyst@example.com" in body  # the navigation is there to go on from
    api = client.get("/api/no/such/thing")
    assert api.status_code == 404 and api.is_json and api.get_json()["error"]
    missing_run = client.get("/runs/nosuchrun").get_data(as_text=True)
    assert "no run nosuchrun" in missing_run and "/static/hub.css" in missing_run


def _hub(config_dir, *args):
    import os

    env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
    return subprocess.run([sys.executable, "-m", "hub", *args, "--config-dir", str(config_dir)],
                          capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.parametrize("url, says", [
    ("mysql://hub:secret@127.0.0.1/hub", "mysql:// is not supported: the hub runs on SQLite"),
    ("postgresql://hub:secret@127.0.0.1:{port}/hub", "cannot reach the database"),
    ("postgres://hub:secret@127.0.0.1:{port}/hub", "cannot reach the database"),
])
def test_a_database_the_hub_cannot_use_is_one_line(web_config, url, says):
    _settings(web_config, database_url=url.format(port=free_port()))
    result = _hub(web_config, "db", "upgrade")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("hub: error: ") and says in result.stderr and "secret" not in result.stderr


def test_a_worker_without_redis_is_one_line(web_config):
    _settings(web_config, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    assert _hub(web_config, "db", "upgrade").returncode == 0
    result = _hub(web_config, "worker", "--burst")
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert "cannot reach Redis" in result.stderr and "redis_url" in result.stderr


def test_hub_serve_without_redis_warns_and_serves_a_page_that_says_so(web_config):
    """The real command: one warning line at start, then /login answers 503 with what to do."""
    import os
    import time

    import requests

    port = free_port()
    _settings(web_config, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    assert _hub(web_config, "db", "upgrade").returncode == 0
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
    server = subprocess.Popen([sys.executable, "-m", "hub", "serve", "--port", str(port), "--config-dir", str(web_config)],
                              stderr=subprocess.PIPE, text=True, env=env)
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any("serving on" in line for line in lines):
            lines.append(server.stderr.readline())
        assert any(line.startswith("hub: warning: cannot reach Redis") for line in lines), lines
        while True:  # "serving on" comes just before waitress listens
            try:
                response = requests.get(f"http://127.0.0.1:{port}/login", timeout=10)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline and server.poll() is None, "hub serve did not start"
                time.sleep(0.2)
        assert response.status_code == 503 and "Start redis-server there" in response.text
    finally:
        server.terminate()
        server.wait(timeout=20)
