"""The web app's introspection endpoints, against a real Redis."""

import pytest

from hub.app import create_app


@pytest.fixture
def client(toy, redis_url):
    toy.settings.redis_url = redis_url
    return create_app(toy).test_client()


def test_health_reports_database_redis_and_connectors(client):
    response = client.get("/-/health")
    body = response.get_json()
    assert response.status_code == 200
    assert body["checks"] == {"database": "ok", "redis": "ok"}
    assert "toy" in body["connectors"]


def test_health_is_503_when_redis_is_down(toy):
    toy.settings.redis_url = "redis://127.0.0.1:1/0"
    response = create_app(toy).test_client().get("/-/health")
    assert response.status_code == 503
    assert response.get_json()["status"] == "down"
    assert response.get_json()["checks"]["redis"].startswith("error: ")


def test_plugins_json_lists_connectors_tools_and_scopes(client):
    rows = {row["name"]: row for row in client.get("/-/plugins.json").get_json()}
    toy = rows["toy"]
    assert toy["connectors"] == ["toy"]
    assert toy["scopes"] == ["read", "write"]
    assert toy["tools"] == ["toy.get_thing", "toy.list_things", "toy.make_thing"]
    assert {"lookup", "action", "escalate", "ingest_webhook", "auth_provider"} <= set(toy["hooks"])
    assert "hub.default_plugins.guard" not in rows
