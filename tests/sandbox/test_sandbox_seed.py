"""Seed loading: clear errors naming file and key; reset restores a deep copy."""

import importlib.resources

import pydantic
import pytest
from sandbox_toy import TOY_SEED

from hub.errors import ConfigError
from hub.sandbox import Seed, SeedError

GOOD_OAUTH = """
oauth:
  clients:
    - {client_id: c, client_secret: s, redirect_uris: [http://127.0.0.1/cb], scopes: [read]}
  user: {id: 1, name: Ada, email: ada@example.com}
"""


def write(tmp_path, text):
    path = tmp_path / "seed.yaml"
    path.write_text(text)
    return path


def error_for(path, model=None):
    with pytest.raises(SeedError) as caught:
        Seed.load(path, model=model)
    return str(caught.value)


def test_loads_the_toy_seed_and_its_oauth_section():
    seed = Seed.load(TOY_SEED)
    assert [c.client_id for c in seed.oauth.clients] == [
        "hub-confidential",
        "hub-public",
        "hub-service",
    ]
    assert seed.oauth.clients[1].client_secret is None
    assert seed.oauth.user.email == "ada@example.com"
    assert seed.data["tickets"][0]["subject"] == "Where is my order?"


def test_loads_from_package_resources(tmp_path, monkeypatch):
    package = tmp_path / "toy_vendor_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "seed.yaml").write_text(TOY_SEED.read_text())
    monkeypatch.syspath_prepend(tmp_path)
    seed = Seed.load(importlib.resources.files("toy_vendor_pkg") / "seed.yaml")
    assert seed.data["tickets"][1]["subject"] == "Refund please"


def test_reset_restores_nested_data_in_place():
    seed = Seed.load(TOY_SEED)
    data = seed.data
    data["tickets"][0]["status"] = "solved"
    data["tickets"].append({"id": 3})
    data["extra"] = True
    seed.reset()
    assert seed.data is data
    assert data["tickets"][0]["status"] == "open"
    assert len(data["tickets"]) == 2 and "extra" not in data
    data["tickets"][0]["status"] = "closed"  # the pristine copy is not shared
    seed.reset()
    assert data["tickets"][0]["status"] == "open"


def test_missing_file(tmp_path):
    message = error_for(tmp_path / "nope.yaml")
    assert "nope.yaml" in message and "cannot read seed" in message


def test_invalid_yaml_names_the_line(tmp_path):
    path = write(tmp_path, GOOD_OAUTH + "tickets: [1, 2\n")
    message = error_for(path)
    assert message.startswith(f"{path}: line ")
    assert "invalid YAML" in message


def test_top_level_must_be_a_mapping(tmp_path):
    assert "mapping at the top level" in error_for(write(tmp_path, "- 1\n- 2\n"))


def test_missing_oauth_section(tmp_path):
    assert f"{tmp_path / 'seed.yaml'}: oauth: missing" in error_for(
        write(tmp_path, "tickets: []\n")
    )


def test_bad_client_names_the_key(tmp_path):
    text = GOOD_OAUTH.replace("redirect_uris: [http://127.0.0.1/cb]", "redirect_uris: []")
    message = error_for(write(tmp_path, text))
    assert message.startswith(f"{tmp_path / 'seed.yaml'}: oauth.clients[0].redirect_uris: ")
    assert "at least 1 item" in message


def test_unknown_client_key_is_refused(tmp_path):
    text = GOOD_OAUTH.replace("scopes: [read]", "scopes: [read], secret: typo")
    assert "oauth.clients[0].secret: Extra inputs are not permitted" in error_for(
        write(tmp_path, text)
    )


class Ticket(pydantic.BaseModel):
    id: int
    status: str


class ToySeed(pydantic.BaseModel):
    tickets: list[Ticket]


def test_vendor_model_validates_the_rest(tmp_path):
    path = write(
        tmp_path, GOOD_OAUTH + "tickets:\n  - {id: 1, status: open}\n  - {id: two, status: open}\n"
    )
    message = error_for(path, model=ToySeed)
    assert message.startswith(f"{path}: tickets[1].id: ")
    good = write(tmp_path, GOOD_OAUTH + "tickets:\n  - {id: 1, status: open}\n")
    assert Seed.load(good, model=ToySeed).data["tickets"] == [{"id": 1, "status": "open"}]


def test_seed_error_is_a_config_error():
    assert issubclass(SeedError, ConfigError)
